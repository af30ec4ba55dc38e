"""The agreement API's bodies in ``/api/schema/`` (descriptions only: the views answer with plain dicts).

The per-mosaic row is what ``annotations.agreement.mosaic.mosaic_agreement``
returns, the aggregates what ``annotations.agreement.aggregate.project_agreement``
returns; both are stored as they come and served unchanged.
``tests/annotations/test_api_contract.py`` validates real responses against
these components, so a key added to the core without a line here fails.
"""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotations.agreement.aggregate import METRICS
from annotations.models import ReadKind, ReadStatus
from annotations.vocabulary import Diagnosis

from .reading_schema import geometry_field


def _ratio(help_text: str = "") -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, help_text=help_text)


class PixelCountsSerializer(serializers.Serializer[Any]):
    a = serializers.IntegerField(help_text="pixels read A marked")
    b = serializers.IntegerField(help_text="pixels read B marked")
    both = serializers.IntegerField()


class LabelAgreementSerializer(serializers.Serializer[Any]):
    dice = serializers.FloatField()
    iou = serializers.FloatField()
    a_px = serializers.IntegerField()
    b_px = serializers.IntegerField()
    both_px = serializers.IntegerField()


class TileAgreementSerializer(serializers.Serializer[Any]):
    size_px = serializers.IntegerField()
    positive_fraction = serializers.FloatField()
    count = serializers.IntegerField()
    confusion = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=2),
        min_length=2, max_length=2, help_text="[[a-b-, a-b+], [a+b-, a+b+]] tile counts",
    )  # fmt: skip


class LesionCountsSerializer(serializers.Serializer[Any]):
    a = serializers.IntegerField()
    b = serializers.IntegerField()
    matched = serializers.IntegerField()
    precision = _ratio()
    recall = _ratio()
    f1 = serializers.FloatField()
    iou_threshold = serializers.FloatField()


class AgreementRowSerializer(serializers.Serializer[Any]):
    """One mosaic and reader pair; ``notes`` states every convention used (e.g. two negative reads: Dice 1)."""

    mosaic = serializers.IntegerField()
    name = serializers.CharField(help_text="the mosaic's source file stem")
    readers = serializers.ListField(child=serializers.CharField(), min_length=2, max_length=2)
    dice = serializers.FloatField()
    iou = serializers.FloatField()
    tile_kappa = _ratio("Cohen's kappa of the tile labels")
    lesion_f1 = serializers.FloatField()
    lesion_precision = _ratio()
    lesion_recall = _ratio()
    hausdorff95_um = _ratio("95th-percentile Hausdorff distance of the outlines, µm")
    hausdorff_um = _ratio()
    diagnosis_agree = serializers.BooleanField(allow_null=True)
    diagnoses = serializers.ListField(child=serializers.CharField(allow_blank=True), min_length=2, max_length=2)
    pixels = PixelCountsSerializer()
    labels = serializers.DictField(child=LabelAgreementSerializer(), help_text="per feature label")
    tiles = TileAgreementSerializer()
    lesions = LesionCountsSerializer()
    notes = serializers.DictField(child=serializers.CharField(), help_text="metric -> the convention it rests on")


class MetricEstimateSerializer(serializers.Serializer[Any]):
    value = _ratio()
    ci95 = serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2, allow_null=True,
                                 help_text="95% patient-bootstrap interval (percentile method)")  # fmt: skip
    n = serializers.IntegerField(help_text="mosaics contributing")
    patients = serializers.IntegerField()


GroupAgreementSerializer = type(
    "GroupAgreementSerializer",
    (serializers.Serializer,),
    {metric: MetricEstimateSerializer(required=False) for metric in METRICS},
)
GroupAgreementSerializer.__doc__ = "A group's metrics (none when the group has no result)."


class BootstrapSerializer(serializers.Serializer[Any]):
    unit = serializers.CharField()
    method = serializers.CharField()
    n_resamples = serializers.IntegerField()
    seed = serializers.IntegerField()
    confidence = serializers.FloatField()


class AggregatesSerializer(serializers.Serializer[Any]):
    """The project's aggregates as last computed (empty before the first computation)."""

    overall = GroupAgreementSerializer(required=False)
    bootstrap = BootstrapSerializer(required=False)
    by_pair = serializers.DictField(child=GroupAgreementSerializer(), required=False)
    by_center = serializers.DictField(child=GroupAgreementSerializer(), required=False)
    by_diagnosis = serializers.DictField(child=GroupAgreementSerializer(), required=False)
    by_month = serializers.DictField(child=GroupAgreementSerializer(), required=False)


class AgreementFailureSerializer(serializers.Serializer[Any]):
    mosaic = serializers.IntegerField()
    reads = serializers.ListField(child=serializers.IntegerField())
    error = serializers.CharField()


class AgreementSettingsSerializer(serializers.Serializer[Any]):
    tile_px = serializers.IntegerField()
    positive_fraction = serializers.FloatField()
    lesion_iou = serializers.FloatField()
    outline_spacing_px = serializers.FloatField()
    hausdorff_percentile = serializers.FloatField()


class ProjectAgreementSerializer(serializers.Serializer[Any]):
    """``mosaics`` and ``aggregates`` as ``manage.py agreement --json`` prints them, and their state."""

    mosaics = AgreementRowSerializer(many=True)
    aggregates = AggregatesSerializer()
    count = serializers.IntegerField(help_text="rows before limit/offset")
    pending = serializers.ListField(child=serializers.IntegerField(),
                                    help_text="mosaics due whose results are missing or stale")  # fmt: skip
    failed = AgreementFailureSerializer(many=True)
    computed_at = serializers.DateTimeField(allow_null=True, help_text="the latest result's computation")
    aggregates_computed_at = serializers.DateTimeField(allow_null=True)
    aggregates_stale = serializers.BooleanField(help_text="the aggregates were computed from other results")
    settings = AgreementSettingsSerializer()


class AgreementRequestedSerializer(serializers.Serializer[Any]):
    queued = serializers.BooleanField()
    mosaics_due = serializers.IntegerField()


# --- one mosaic ---------------------------------------------------------------------


class ReadBriefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    reader = serializers.CharField()
    kind = serializers.ChoiceField(choices=ReadKind.choices)
    status = serializers.ChoiceField(choices=ReadStatus.choices)
    version = serializers.IntegerField()
    diagnosis = serializers.ChoiceField(choices=Diagnosis.choices, allow_blank=True)
    submitted_at = serializers.DateTimeField(allow_null=True)


class PairResultSerializer(serializers.Serializer[Any]):
    reads = serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=2)
    row = AgreementRowSerializer(allow_null=True)
    error = serializers.CharField(allow_blank=True)
    computed_at = serializers.DateTimeField()
    stale = serializers.BooleanField(help_text="a read or the project's settings changed since")


class DisagreementPropertiesSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=["both", "only_a", "only_b"])
    readers = serializers.ListField(child=serializers.CharField())
    area_px = serializers.FloatField()


@extend_schema_field({"type": "string", "enum": ["Feature"]})
class _FeatureType(serializers.CharField):
    pass


@extend_schema_field({"type": "string", "enum": ["FeatureCollection"]})
class _FeatureCollectionType(serializers.CharField):
    pass


class DisagreementFeatureSerializer(serializers.Serializer[Any]):
    type = _FeatureType()
    geometry = geometry_field()
    properties = DisagreementPropertiesSerializer()


class DisagreementMapSerializer(serializers.Serializer[Any]):
    type = _FeatureCollectionType()
    features = DisagreementFeatureSerializer(many=True)


class MosaicDisagreementSerializer(serializers.Serializer[Any]):
    reads = serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=2)
    readers = serializers.ListField(child=serializers.CharField(), min_length=2, max_length=2)
    map = DisagreementMapSerializer(help_text="both / only_a / only_b areas, all labels together")


class MosaicAgreementSerializer(serializers.Serializer[Any]):
    mosaic = serializers.IntegerField()
    reads = ReadBriefSerializer(many=True)
    pairs = PairResultSerializer(many=True)
    disagreement = MosaicDisagreementSerializer(allow_null=True, help_text="null with fewer than two reader reads")
    consensus = ReadBriefSerializer(allow_null=True)


# --- calibration --------------------------------------------------------------------


class CalibrationRatiosSerializer(serializers.Serializer[Any]):
    sensitivity = _ratio()
    precision = _ratio()
    consensus_px = serializers.IntegerField()
    reader_px = serializers.IntegerField()
    both_px = serializers.IntegerField()


class ReaderCalibrationSerializer(serializers.Serializer[Any]):
    reader = serializers.CharField()
    mosaics = serializers.IntegerField()
    sensitivity = _ratio("pooled over the reader's adjudicated mosaics")
    precision = _ratio("pooled over the reader's adjudicated mosaics")
    mean_sensitivity = _ratio()
    mean_precision = _ratio()
    consensus_px = serializers.IntegerField()
    reader_px = serializers.IntegerField()
    both_px = serializers.IntegerField()


class CalibrationRowSerializer(CalibrationRatiosSerializer):
    mosaic = serializers.IntegerField()
    read = serializers.IntegerField()
    consensus = serializers.IntegerField()
    reader = serializers.CharField()
    labels = serializers.DictField(child=CalibrationRatiosSerializer())
    notes = serializers.DictField(child=serializers.CharField())


class ProjectCalibrationSerializer(serializers.Serializer[Any]):
    readers = ReaderCalibrationSerializer(many=True)
    mosaics = CalibrationRowSerializer(many=True)
    computed_at = serializers.DateTimeField(allow_null=True)
