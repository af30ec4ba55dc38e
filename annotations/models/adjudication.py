"""Adjudication: how a mosaic's consensus read was started and the disagreements resolved in it.

The consensus itself is a ``Read`` of kind ``consensus`` (its regions, versions,
revisions and restore are a read's). What it adds is recorded here:

- ``Adjudication``: which proposal it started from and which reader reads (at
  which versions) it was built from;
- ``AdjudicationComponent``: each place where those reads disagree (an area only
  some readers marked, or an area all marked with different labels), with what
  each reader marked there;
- ``AdjudicationDecision``: the lead's choice for a component, with the reason,
  who and when, and the consensus revision the decision wrote. Decisions are
  never deleted; a restore of the consensus to a revision before a decision
  leaves the decision recorded but no longer in effect (see
  ``annotations.selectors.adjudication``).
"""

from django.conf import settings
from django.db import models

from .reading import Read


class ConsensusStart(models.TextChoices):
    INTERSECTION = "intersection", "The area every reader marked"
    UNION = "union", "The area any reader marked"
    MAJORITY = "majority", "The area most readers marked (three or more reads)"


class Adjudication(models.Model):
    consensus = models.OneToOneField(Read, on_delete=models.CASCADE, related_name="adjudication")
    start = models.CharField(max_length=16, choices=ConsensusStart.choices)
    # [{"letter": "a", "read": id, "reader": username, "version": n}, ...] in the order of the choices.
    sources = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Adjudication of mosaic {self.consensus.mosaic_id} ({self.start})"


class ComponentKind(models.TextChoices):
    EXTENT = "extent", "Marked by some readers only"
    LABEL = "label", "Marked by all, with different labels"


class AdjudicationComponent(models.Model):
    adjudication = models.ForeignKey(Adjudication, on_delete=models.CASCADE, related_name="components")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=8, choices=ComponentKind.choices)
    geometry = models.JSONField(help_text="GeoJSON Polygon, full-resolution pixels")
    area_px = models.FloatField()
    # Per source read, in the adjudication's order: {"letter", "read", "reader", "labels": [label, ...]}
    # (the labels it gave inside the component, largest share first; empty: it marked nothing there).
    sources = models.JSONField()

    class Meta:
        ordering = ["adjudication_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["adjudication", "number"], name="component_number_unique_per_adjudication")
        ]

    def __str__(self) -> str:
        return f"Component {self.number} of {self.adjudication}"


class DecisionChoice(models.TextChoices):
    ACCEPT_A = "accept_a", "Accept reader A's reading"
    ACCEPT_B = "accept_b", "Accept reader B's reading"
    ACCEPT_C = "accept_c", "Accept reader C's reading"
    ACCEPT_D = "accept_d", "Accept reader D's reading"
    ACCEPT_E = "accept_e", "Accept reader E's reading"
    ACCEPT_F = "accept_f", "Accept reader F's reading"
    REJECT = "reject", "Leave the area out"
    REDRAW = "redraw", "Redraw it by hand"


class AdjudicationDecision(models.Model):
    component = models.ForeignKey(AdjudicationComponent, on_delete=models.CASCADE, related_name="decisions")
    choice = models.CharField(max_length=16, choices=DecisionChoice.choices)
    reason = models.TextField(max_length=2000)
    revision = models.PositiveIntegerField(help_text="the consensus revision this decision wrote")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["component_id", "revision"]

    def __str__(self) -> str:
        return f"{self.choice} on {self.component}"
