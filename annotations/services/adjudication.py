"""Adjudication: a mosaic's consensus started from a proposal, resolved region by region.

The consensus is a ``Read`` of kind ``consensus`` whose reader is the
adjudicating lead, so it is edited, autosaved, versioned and restored like any
read, in the workspace. ``consensus_create`` (leads and admins; once every reader
read of the mosaic is submitted) copies the chosen proposal of
``annotations.agreement.consensus.consensus_proposals`` into its regions
(provenance ``consensus``) as one write, and stores the disagreement components
(``disagreement_components``) the lead then decides one by one.

A decision (``adjudication_decide``) is a write to the consensus like any other:
it locks the read, checks the caller is its adjudicator and ``read_version`` is
current (409 otherwise), and commits one revision ("adjudicate #3 accept_a").
Its effect is uniform whatever the starting proposal: inside the component's
geometry the consensus becomes what the chosen reader marked there (``accept_a``,
``accept_b`` …: that reader's regions clipped to the component, with their
labels; nothing if it marked nothing there), ``reject`` leaves the area empty,
and ``redraw`` changes nothing (the lead draws it by hand) but records the
decision. A reason is required. Submitting the consensus (the ordinary submit)
makes the mosaic adjudicated and queues the readers' calibration.

``mosaic_send_to_third_reader`` assigns one more reader instead (only before a
consensus exists); once it is submitted, a consensus can start from ``majority``.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from annotations.agreement.consensus import consensus_proposals, disagreement_components
from annotations.agreement.raster import reader_shapes
from annotations.geometry.shapes import (
    GeometryError,
    parse_region_geometry,
    polygonal_part,
    shape_from_stored,
    to_geojson,
)
from annotations.models import (
    Adjudication,
    AdjudicationComponent,
    AdjudicationDecision,
    ConsensusStart,
    DecisionChoice,
    Mosaic,
    Provenance,
    Read,
    ReadKind,
    ReadStatus,
    Region,
)
from annotations.selectors.access import can_manage_project
from annotations.selectors.labels import consensus_read, reader_labels, reader_reads
from annotations.vocabulary import FeatureLabel
from users.models import User

from .assignment import read_assign
from .reads import WriteResult, mosaic_size, new_region, read_commit_write, read_lock_for_write
from .regions import shape_add, shape_erase
from .revisions import revision_write

LETTERS = "abcdef"  # accept_a … accept_f: at most six source reads
MAX_REASON = 2000


def _check_adjudicable(mosaic: Mosaic, by: User) -> list[Read]:
    """The mosaic's reader reads, once the caller may adjudicate it and every read is submitted."""
    if not can_manage_project(user=by, project=mosaic.case.project):
        raise PermissionDenied("only the project's leads and admins adjudicate")
    reads = list(reader_reads(mosaic))
    if len(reads) < 2:
        raise ValidationError(
            {"mosaic": f"mosaic {mosaic.pk} has {len(reads)} read(s); adjudication needs two or more"}
        )
    waiting = [read for read in reads if read.status != ReadStatus.SUBMITTED]
    if waiting:
        raise ValidationError(
            {"mosaic": f"{len(waiting)} of the mosaic's {len(reads)} reads are not submitted yet; "
                       "adjudicate once every read is submitted"}
        )  # fmt: skip
    return reads


@transaction.atomic
def consensus_create(*, mosaic: Mosaic, by: User, start: str = ConsensusStart.INTERSECTION) -> Read:
    """Start the mosaic's consensus read from the ``start`` proposal; returns the consensus read."""
    mosaic = Mosaic.objects.select_for_update(of=("self",)).select_related("case__project").get(pk=mosaic.pk)
    reads = _check_adjudicable(mosaic, by)
    if start not in ConsensusStart.values:
        raise ValidationError({"start": f"start is one of {', '.join(ConsensusStart.values)}"})
    if start == ConsensusStart.MAJORITY and len(reads) < 3:
        raise ValidationError({"start": "a majority needs three or more reads; send the mosaic to a third reader"})
    if len(reads) > len(LETTERS):
        raise ValidationError({"mosaic": f"adjudication takes at most {len(LETTERS)} reads, not {len(reads)}"})
    existing = consensus_read(mosaic)
    if existing is not None:
        raise ValidationError({"mosaic": f"the mosaic has a consensus already (read {existing.pk})"})
    width, height = mosaic_size(reads[0])
    labels = [reader_labels(read) for read in reads]
    proposal = consensus_proposals(labels, width=width, height=height, label_order=FeatureLabel.values)[start]

    consensus = Read.objects.create(mosaic=mosaic, reader=by, kind=ReadKind.CONSENSUS, assigned_by=by)
    revision_write(read=consensus, action="assign", by=by)
    regions = Region.objects.bulk_create([
        new_region(read=consensus, shape=parse_region_geometry(feature["geometry"], width=width, height=height),
                   label=feature["properties"]["label"], provenance=Provenance.CONSENSUS, by=by)
        for feature in proposal["features"]
    ])  # fmt: skip
    read_commit_write(read=consensus, by=by, action=f"consensus {start}", upserted=regions)

    sources = [
        {"letter": letter, "read": read.pk, "reader": read.reader.get_username(), "version": read.version}
        for letter, read in zip(LETTERS, reads, strict=False)
    ]
    adjudication = Adjudication.objects.create(consensus=consensus, start=start, sources=sources)
    AdjudicationComponent.objects.bulk_create([
        AdjudicationComponent(
            adjudication=adjudication, number=number, kind=component["kind"], geometry=component["geometry"],
            area_px=component["area_px"],
            sources=[{"letter": source["letter"], "read": source["read"], "reader": source["reader"], "labels": labels}
                     for source, labels in zip(sources, component["labels"], strict=True)],
        )
        for number, component in enumerate(disagreement_components(labels), start=1)
    ])  # fmt: skip
    return consensus


def _chosen_pieces(adjudication: Adjudication, index: int, area: Any) -> list[tuple[str, dict[str, Any]]]:
    """What source read ``index`` marked inside ``area``, per label (as it was when the consensus started)."""
    source = adjudication.sources[index]
    read = Read.objects.select_related("reader").get(pk=source["read"])
    shapes = reader_shapes(reader_labels(read, version=source["version"]).regions)
    pieces = []
    for label, geometry in sorted(shapes.by_label.items()):
        piece = polygonal_part(geometry.intersection(area))
        if piece is not None:
            pieces.append((label, to_geojson(piece)))
    return pieces


def _check_choice(choice: Any, adjudication: Adjudication) -> int | None:
    """The source index an ``accept_*`` choice names (None for reject / redraw)."""
    if choice not in DecisionChoice.values:
        raise ValidationError({"choice": f"choice is one of accept_a, accept_b, …, reject, redraw; not {choice!r}"})
    if not str(choice).startswith("accept_"):
        return None
    index = LETTERS.index(str(choice)[-1])
    if index >= len(adjudication.sources):
        last = LETTERS[len(adjudication.sources) - 1]
        raise ValidationError({"choice": f"the consensus has {len(adjudication.sources)} source reads: accept_a … "
                                         f"accept_{last}"})  # fmt: skip
    return index


def _combined(results: list[WriteResult], read: Read) -> WriteResult:
    """Several uncommitted steps as one write: each region once, in its last state; deletions last."""
    deleted = [pk for result in results for pk in result.deleted]
    latest: dict[int, Region] = {}
    for result in results:
        for region in (*result.created, *result.updated):
            latest[region.pk] = region
    # Each region as it was before the first step touched it.
    before: dict[Any, dict[str, Any]] = {}
    for result in results:
        for state in result.before:
            before.setdefault(state["id"], state)
    return WriteResult(read=read, updated=[r for pk, r in latest.items() if pk not in deleted], deleted=deleted,
                       before=list(before.values()))  # fmt: skip


@transaction.atomic
def adjudication_decide(
    *, consensus: Read, by: User, component: Any, choice: Any, reason: Any, read_version: int
) -> AdjudicationDecision:
    """Record a decision on one component and apply it to the consensus (see the module docstring)."""
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        raise ValidationError({"reason": "give the reason for the decision"})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": f"at most {MAX_REASON:,} characters"})
    locked = read_lock_for_write(read=consensus, by=by, read_version=read_version)
    adjudication = Adjudication.objects.filter(consensus=locked).first()
    if adjudication is None:
        raise ValidationError({"read": f"read {locked.pk} is not a consensus under adjudication"})
    target = adjudication.components.filter(number=component).first() if isinstance(component, int) else None
    if target is None:
        raise ValidationError({"component": f"the consensus has no component {component!r}"})
    index = _check_choice(choice, adjudication)
    steps: list[WriteResult] = []
    if choice != DecisionChoice.REDRAW:
        area = shape_from_stored(target.geometry)
        steps.append(shape_erase(read=locked, eraser=area))
        width, height = mosaic_size(locked)
        for label, geometry in _chosen_pieces(adjudication, index, area) if index is not None else []:
            try:
                shape = parse_region_geometry(geometry, width=width, height=height)
            except GeometryError:
                continue  # a sliver along the component's edge: nothing to add
            steps.append(shape_add(read=locked, by=by, shape=shape, label=label, provenance=Provenance.CONSENSUS))
    write = _combined(steps, locked)
    read_commit_write(read=locked, by=by, action=f"adjudicate #{target.number} {choice}", upserted=write.updated,
                      deleted=write.deleted, before={"regions": write.before, "reason": reason})  # fmt: skip
    return AdjudicationDecision.objects.create(
        component=target, choice=choice, reason=reason, revision=locked.version, decided_by=by
    )


@transaction.atomic
def mosaic_send_to_third_reader(*, mosaic: Mosaic, reader: User, by: User) -> Read:
    """One more reader read for a mosaic whose reads are all submitted (before any consensus)."""
    mosaic = Mosaic.objects.select_for_update(of=("self",)).select_related("case__project").get(pk=mosaic.pk)
    _check_adjudicable(mosaic, by)
    existing = consensus_read(mosaic)
    if existing is not None:
        raise ValidationError({"mosaic": f"the mosaic has a consensus already (read {existing.pk}); "
                                         "a further reader can no longer change where it starts"})  # fmt: skip
    [read] = read_assign(mosaic=mosaic, readers=[reader], by=by, extra=True)
    return read
