"""SCIM 2.0 provisioning of the tenant directory (django-scim2 adapters, token auth, urls)."""
