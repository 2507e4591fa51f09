"""WSGI entry point (served by waitress through `syres serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "syres.config.settings")
application = get_wsgi_application()
