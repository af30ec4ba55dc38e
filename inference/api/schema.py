"""The AI layer's request and response bodies in ``/api/schema/`` (what the frontend's types are generated from).

Responses are built by ``inference.api.bodies``; these serializers describe them
(and parse the inputs). ``tests/inference/preannotation/test_api.py`` checks real
responses against the schema.
"""

from typing import Any

from rest_framework import serializers

from annotations.api.reading_schema import DetailSerializer, RegionSerializer, geometry_field
from annotations.api.reading_serializers import GeometryInput, ReadVersionMixin
from annotations.api.strict import StrictFieldsMixin
from annotations.vocabulary import FeatureLabel
from inference.models import DecisionKind, ModelKind, RunStatus

# --- outputs --------------------------------------------------------------------------


class TileGridSerializer(serializers.Serializer[Any]):
    rows = serializers.IntegerField(allow_null=True)
    cols = serializers.IntegerField(allow_null=True)
    tile_size = serializers.IntegerField(allow_null=True, help_text="level-0 mosaic pixels per tile side")


class PredictionRunSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    model = serializers.IntegerField()
    model_name = serializers.CharField()
    model_kind = serializers.ChoiceField(choices=ModelKind.choices)
    status = serializers.ChoiceField(choices=RunStatus.choices)
    progress = serializers.IntegerField(help_text="0-100")
    score = serializers.FloatField(allow_null=True, help_text="the mosaic score: positive at t iff score >= t")
    threshold = serializers.FloatField(allow_null=True, help_text="the model's threshold (suggestions are at or above it)")
    tile_grid = TileGridSerializer()
    heatmap_downsample = serializers.IntegerField(
        allow_null=True, help_text="mosaic pixels per heatmap pixel: scale the PNG by this to lay it on the mosaic"
    )
    suggestion_count = serializers.IntegerField()
    error = serializers.CharField(allow_blank=True, help_text="why the run failed, and what to do")
    queued_at = serializers.DateTimeField(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


def _constant(value: str) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=[(value, value)])


class SuggestionSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    run = serializers.IntegerField()
    model = serializers.IntegerField()
    label = serializers.ChoiceField(choices=FeatureLabel.choices)  # type: ignore[assignment]  # shadows Field.label
    geometry = geometry_field()
    score = serializers.FloatField(help_text="highest probability inside the area")
    mean_probability = serializers.FloatField()
    area_px = serializers.FloatField()
    bbox = serializers.ListField(child=serializers.FloatField(), min_length=4, max_length=4)
    provenance = _constant("ai")
    decision = serializers.ChoiceField(
        choices=DecisionKind.choices, allow_null=True,
        help_text="with ?read=ID: the last decision on it in that read (null: undecided)",
    )  # fmt: skip
    region = serializers.IntegerField(allow_null=True, help_text="with ?read=ID: the region it became there")


class AcceptResultSerializer(serializers.Serializer[Any]):
    read_version = serializers.IntegerField()
    region = RegionSerializer()


class SuggestionDecisionSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    suggestion = serializers.IntegerField()
    decision = serializers.ChoiceField(choices=DecisionKind.choices)
    region = serializers.IntegerField(allow_null=True)


class RejectResultSerializer(serializers.Serializer[Any]):
    read_version = serializers.IntegerField()
    decision = SuggestionDecisionSerializer()


class AreaResultSerializer(serializers.Serializer[Any]):
    read_version = serializers.IntegerField()
    created = RegionSerializer(many=True, help_text="regions made from the accepted suggestions")
    rejected = serializers.ListField(child=serializers.IntegerField(), help_text="ids of the rejected suggestions")


class AILayerRefusalSerializer(DetailSerializer):
    """403 when the protocol hides the AI layer from the caller (``detail`` says why and what unlocks it)."""


# --- inputs ---------------------------------------------------------------------------


class AcceptInput(StrictFieldsMixin, ReadVersionMixin):
    geometry = GeometryInput(required=False, help_text="a changed outline: the region is then ai_edited")
    label = serializers.ChoiceField(choices=FeatureLabel.choices, required=False)  # type: ignore[assignment]


class EditInput(StrictFieldsMixin, ReadVersionMixin):
    geometry = GeometryInput()
    label = serializers.ChoiceField(choices=FeatureLabel.choices, required=False)  # type: ignore[assignment]


class RejectInput(StrictFieldsMixin, ReadVersionMixin):
    pass


class AreaDecisionInput(StrictFieldsMixin, ReadVersionMixin):
    action = serializers.ChoiceField(choices=[("accept", "accept"), ("reject", "reject")])
    geometry = GeometryInput(help_text="the drawn area: suggestions at least half inside it are decided")
    model = serializers.IntegerField(required=False, help_text="only this model's suggestions")


class RunRequestInput(StrictFieldsMixin, serializers.Serializer[Any]):
    model = serializers.IntegerField(required=False, help_text="default: every active model of the project")


# --- the AI-influence report ------------------------------------------------------------


class InfluenceTallySerializer(serializers.Serializer[Any]):
    mosaics = serializers.IntegerField()
    read_pairs = serializers.IntegerField(help_text="unaided + aided read pairs, both submitted")
    dice_unaided_aided = serializers.FloatField(allow_null=True, help_text="mean Dice between unaided and aided reads")
    suggestions_shown = serializers.IntegerField()
    adopted = serializers.IntegerField(help_text="accepted or edited (the last decision on each suggestion)")
    edited = serializers.IntegerField()
    rejected = serializers.IntegerField()
    adoption_rate = serializers.FloatField(allow_null=True, help_text="adopted / shown")
    adopted_against_consensus = serializers.IntegerField(help_text="adopted suggestions whose mosaic has a consensus")
    adopted_false_positives = serializers.IntegerField(
        allow_null=True, help_text="of those, less than half inside the consensus (null: no consensus yet)"
    )


class ReaderInfluenceSerializer(InfluenceTallySerializer):
    reader = serializers.CharField()


class CenterInfluenceSerializer(InfluenceTallySerializer):
    center = serializers.CharField()


class AIInfluenceSerializer(serializers.Serializer[Any]):
    project = serializers.CharField()
    protocol = serializers.CharField()
    overall = InfluenceTallySerializer()
    readers = ReaderInfluenceSerializer(many=True)
    centers = CenterInfluenceSerializer(many=True)
