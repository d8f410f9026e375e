import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Everything loaded so far (Django, the apps, their models) lives as long as the process: keep it
# out of the cyclic garbage collector's scans, and collect the young generation less often (a
# list page allocates tens of thousands of short-lived objects). WSGI_GC_THRESHOLD=0 keeps
# Python's defaults.
if (threshold := int(os.environ.get("WSGI_GC_THRESHOLD", "20000"))) > 0:
    gc.freeze()
    gc.set_threshold(threshold, *gc.get_threshold()[1:])
