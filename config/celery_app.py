"""The Celery application.

Configuration comes from Django settings (``CELERY_*``); tasks are discovered in
each installed app's ``tasks`` module. Queues and their limits are declared once,
in ``config.settings.base``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("rcm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
