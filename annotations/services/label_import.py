"""Existing labels recorded as a reader's read (``manage.py import_labels``).

The file has already become regions (``annotations.labelsets.importing``); here
they replace the regions of the reader's read of the mosaic, assigning that read
first when the reader does not have one yet, as one ``import`` write (provenance
``imported``; the revision's author is the reader the labels are recorded for).
With ``submit`` the read is then submitted: that needs a diagnosis (given, the
read's own, or the case's), and a read without regions is recorded as an
explicit negative. Everything for one mosaic is one transaction: a refusal
leaves nothing of it behind.
"""

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from annotations.models import Mosaic, Provenance, Read, ReadKind, ReadStatus
from users.models import User

from .assignment import read_assign
from .reads import read_import_geojson, read_submit, read_update_fields


@transaction.atomic
def read_import_labels(
    *, mosaic: Mosaic, reader: User, regions: Sequence[tuple[str, dict[str, Any]]], submit: bool = False,
    diagnosis: str = "",
) -> Read:  # fmt: skip
    """``reader``'s read of ``mosaic`` with exactly ``regions`` (``(label, GeoJSON)``); submitted with ``submit``."""
    read = Read.objects.filter(mosaic=mosaic, reader=reader, kind=ReadKind.READER).first()
    if read is None:
        [read] = read_assign(mosaic=mosaic, readers=[reader], by=None)
    if read.status == ReadStatus.SUBMITTED:
        raise ValidationError({"read": f"{reader.get_username()}'s read of mosaic {mosaic.pk} is submitted already"})
    diagnosis = diagnosis or read.diagnosis or mosaic.case.diagnosis
    if submit and not diagnosis:
        raise ValidationError({"diagnosis": "--submit needs a diagnosis: add a diagnosis column to the CSV, "
                                            "or record the case's diagnosis first"})  # fmt: skip
    features = [
        {"type": "Feature", "geometry": geometry, "properties": {"label": label, "provenance": Provenance.IMPORTED}}
        for label, geometry in regions
    ]
    # The operator's import replaces the read as it is now: it names the version it just read.
    collection = {"type": "FeatureCollection", "features": features}
    read = read_import_geojson(read=read, collection=collection, by=reader, read_version=read.version)
    if submit:
        read = read_update_fields(
            read=read, by=reader, read_version=read.version, diagnosis=diagnosis, no_suspicious_area=not regions
        )
        read = read_submit(read=read, by=reader, read_version=read.version, confirm_low_coverage=True)
    return read
