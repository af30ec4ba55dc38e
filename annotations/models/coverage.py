"""Reading coverage: the coarse grid of a read's mosaic its reader viewed at diagnostic zoom.

Kept in its own table, one row per read, rather than on ``Read``: the viewer
posts coverage often while the reader draws, and a write here must neither take
the read's row lock (autosave serialises on it) nor bump the read's version (a
coverage post must never turn an autosave into a 409). The grid and the
diagnostic zoom are defined in ``annotations.geometry.coverage``.
"""

from django.db import models

from .reading import Read


class ReadCoverage(models.Model):
    read = models.OneToOneField(Read, on_delete=models.CASCADE, primary_key=True, related_name="coverage")
    cells = models.BinaryField(help_text="64 x 64 bits, row-major, most significant bit first")
    viewed_fraction = models.FloatField(default=0.0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Coverage of read {self.read_id}: {self.viewed_fraction:.0%}"
