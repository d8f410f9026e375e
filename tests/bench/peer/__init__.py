"""The bench's third side: the same routes as a Django team would build them by default (DRF + django-filter)."""
