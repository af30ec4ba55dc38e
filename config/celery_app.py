"""The Celery application.

Configuration comes from Django settings (``CELERY_*``); tasks are discovered in
each installed app's ``tasks`` module. Queues and their limits are declared once,
in ``config.settings.base``. Every task's base class is
``annotations.tracked_task.TrackedTask`` (Celery's Django task, plus the task
outbox's lease around each run), named as a string so it loads with the tasks.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("rcm", task_cls="annotations.tracked_task:TrackedTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
