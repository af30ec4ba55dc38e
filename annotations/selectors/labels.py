"""Reads and mosaics as the Django-free cores take them: ``MosaicInfo``, ``ReaderLabels``, settings.

Agreement, calibration, adjudication and label sets all hand plain values to
``annotations.agreement`` and ``annotations.labelsets``; this module is the one
place that turns rows into those values, so every consumer names a mosaic, a
patient and a read's regions the same way.

Unscoped on purpose: callers are services and selectors that have already
checked who asks (or the platform itself, in tasks and commands).
"""

from dataclasses import asdict
from pathlib import PurePath
from typing import Any

from django.db.models import QuerySet

from annotations.agreement.mosaic import AgreementSettings, MosaicInfo, ReaderLabels
from annotations.models import Case, Mosaic, Project, Read, ReadKind, ReadStatus, Region
from annotations.services.revisions import revision_state

from .mosaics import mosaic_um_per_px


def agreement_settings(project: Project) -> AgreementSettings:
    """The project's agreement settings (tile size, positive-tile fraction); the rest at their defaults."""
    return AgreementSettings(tile_px=project.agreement_tile_px, positive_fraction=project.agreement_positive_fraction)


def settings_record(settings: AgreementSettings) -> dict[str, Any]:
    """What a stored result records of the settings it used (the band size changes speed, not results)."""
    return {key: value for key, value in asdict(settings).items() if key != "band_pixels"}


def source_stem(mosaic: Mosaic) -> str:
    """The mosaic's source file name without its extension (how operators name mosaics)."""
    return PurePath(mosaic.original_filename).stem if mosaic.original_filename else f"mosaic-{mosaic.pk}"


def patient_key(case: Case) -> str:
    """A patient across the project: patient codes are a center's own, so the center's code goes first.

    Needs ``case.center`` (select it with the case).
    """
    return f"{case.center.code}/{case.patient_code}"


def mosaic_info(mosaic: Mosaic) -> MosaicInfo:
    """Needs ``mosaic.case.project`` (select it with the mosaic)."""
    if not mosaic.width or not mosaic.height:
        raise ValueError(f"mosaic {mosaic.pk} has no size (not ingested)")
    return MosaicInfo(
        id=mosaic.pk, name=source_stem(mosaic), width=int(mosaic.width), height=int(mosaic.height),
        um_per_px=mosaic_um_per_px(mosaic=mosaic),
    )  # fmt: skip


def reader_reads(mosaic: Mosaic | int) -> QuerySet[Read]:
    """The mosaic's reader reads (not its consensus), in assignment order: reader A, B, C …"""
    return (
        Read.objects.filter(mosaic=mosaic, kind=ReadKind.READER).select_related("reader").order_by("assigned_at", "id")
    )


def consensus_read(mosaic: Mosaic | int) -> Read | None:
    return Read.objects.filter(mosaic=mosaic, kind=ReadKind.CONSENSUS).select_related("reader").first()


def all_submitted(reads: list[Read]) -> bool:
    return bool(reads) and all(read.status == ReadStatus.SUBMITTED for read in reads)


def read_regions(read: Read, *, version: int | None = None) -> list[tuple[str, dict[str, Any]]]:
    """``(label, GeoJSON geometry)`` of the read now, or as revision ``version`` recorded it."""
    if version is None:
        return [
            (label, geometry) for label, geometry in Region.objects.filter(read=read).values_list("label", "geometry")
        ]
    state = revision_state(read=read, number=version)
    if state is None:
        raise ValueError(f"read {read.pk} has no revision {version}")
    return [(region["label"], region["geometry"]) for region in state["regions"]]


def reader_labels(read: Read, *, version: int | None = None, name: str | None = None) -> ReaderLabels:
    """A read as the agreement core takes it: its reader's name, its regions and its diagnosis."""
    return ReaderLabels(
        reader=name if name is not None else read.reader.get_username(),
        regions=read_regions(read, version=version),
        diagnosis=read.diagnosis,
    )
