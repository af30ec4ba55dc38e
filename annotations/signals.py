"""Signals other apps listen to, so that ``annotations``' services never import them (they import it).

``mosaic_ready``: sent once a mosaic's ingest has made it ``ready`` (``sender`` is
``Mosaic``, ``mosaic`` the instance); the inference app queues its pre-annotation.
Receivers run in the ingest's process: they must only record and enqueue work.
"""

from django.dispatch import Signal

mosaic_ready = Signal()
