"""WSGI entry of the django-large-image peer."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiles_peer.settings")
application = get_wsgi_application()
