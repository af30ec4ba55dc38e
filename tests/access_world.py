"""The fixture world of the permission matrix: one project, two centers, every kind of caller.

Built once per module through the services (reads drawn and submitted the way the
API does it), committed to nothing: ``tests/test_access_matrix.py`` builds it inside
an outer transaction and each request runs in a savepoint that is rolled back.
Every target of ``annotations.access_matrix.TARGETS`` is an object here, and every
string that identifies one of them (codes, names, usernames) is unique, so that a
refusal can be searched for any of them.
"""

import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import pyvips
from django.db import transaction

from annotations.access_matrix import Caller
from annotations.models import Case, Center, Mosaic, Project, Read, Region, Role
from annotations.selectors.labelsets import MANIFEST_NAME
from annotations.services.adjudication import consensus_create
from annotations.services.assignment import read_assign
from annotations.services.labelsets import labelset_build, labelset_create
from annotations.services.mosaics import upload_part_path, upload_session_append, upload_session_create
from annotations.services.reads import read_update_fields
from annotations.storage import media_path
from inference.models import PredictionRun, RegisteredModel, Suggestion
from inference.services.suggestions import aided_read_start
from tests.annotations.studies import draw, submit
from tests.factories import CaseFactory, CenterFactory, MosaicFactory, ProjectFactory, ReadFactory, member
from tests.mosaic_builders import ready_mosaic, textured_gray
from tests.training.builders import write_pyramid as pyramid_with_pixel_size
from training.models import Evaluation, TrainingRun

PASSWORD = "pw-for-tests"


def square(x: int, y: int, side: int) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [[[x, y], [x + side, y], [x + side, y + side], [x, y + side], [x, y]]]}


def tiny_tiff() -> bytes:
    return bytes(pyvips.Image.new_from_array(textured_gray(64, 48)).tiffsave_buffer())


@dataclass
class World:
    project: Project
    center: Center
    case: Case
    mosaic: Mosaic
    users: dict[Caller, Any]
    peer: Any
    targets: dict[str, Any] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)  # strings no refusal may carry
    upload_bytes: bytes = b""

    def read_of(self, target: str) -> Read | None:
        obj = self.targets[target]
        if isinstance(obj, Read):
            return obj
        if isinstance(obj, Region):
            return obj.read
        return None

    def mosaic_of(self, target: str) -> Mosaic:
        obj = self.targets[target]
        if isinstance(obj, Mosaic):
            return obj
        read = self.read_of(target)
        return read.mosaic if read is not None else self.mosaic

    def suggestion_of(self, target: str) -> Suggestion:
        """The model's suggestion on the mosaic the row's target names (a read's mosaic, or the mosaic)."""
        return Suggestion.objects.get(run__mosaic=self.mosaic_of(target))

    def restore_upload(self) -> None:
        """The upload's bytes as the world made them (a DELETE or complete of an earlier test moved them)."""
        path = upload_part_path(self.targets["upload"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.upload_bytes)

    def username(self, caller: Caller) -> str | None:
        user = self.users.get(caller)
        return user.get_username() if user is not None else None


@pytest.fixture(scope="module", name="world")
def world_fixture(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """The world, built once per module in an outer transaction (each test's own is a savepoint in it)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def build_world(tag: str | None = None) -> World:
    tag = tag or uuid.uuid4().hex[:6]
    center = CenterFactory(code=f"MXC1{tag}", name=f"Matrix center one {tag}")
    center_other = CenterFactory(code=f"MXC2{tag}", name=f"Matrix center two {tag}")
    project = ProjectFactory(slug=f"mx-{tag}", name=f"Matrix study {tag}", blind_reading=True, readers_per_mosaic=3)
    project.centers.add(center, center_other)
    other_project = ProjectFactory(slug=f"mx-other-{tag}")
    other_center = CenterFactory(code=f"MXCQ{tag}")
    other_project.centers.add(other_center)

    def user(role: Role, name: str, proj: Project = project, where: Center | None = None) -> Any:
        return member(proj, role, where, username=f"mx-{name}-{tag}")

    users = {
        Caller.READER: user(Role.READER, "reader"),
        Caller.READER_UNASSIGNED: user(Role.READER, "unassigned"),
        Caller.READER_OTHER_PROJECT: user(Role.READER, "outsider", other_project),
        Caller.CONTRIBUTOR: user(Role.CONTRIBUTOR, "contrib", where=center),
        Caller.CONTRIBUTOR_OTHER_CENTER: user(Role.CONTRIBUTOR, "elsewhere", where=center_other),
        Caller.LEAD: user(Role.LEAD, "lead"),
        Caller.ADMIN: user(Role.ADMIN, "admin"),
    }
    peer = user(Role.READER, "peer")
    reader, lead = users[Caller.READER], users[Caller.LEAD]
    # The outsider is a real reader of its own project, with a read there.
    ReadFactory(reader=users[Caller.READER_OTHER_PROJECT],
                mosaic=MosaicFactory(case=CaseFactory(project=other_project, center=other_center)))  # fmt: skip

    case = CaseFactory(project=project, center=center, code=f"MXCASE{tag}", patient_code=f"MXPT{tag}",
                       diagnosis="basal_cell_carcinoma", histopathology_confirmed=True)  # fmt: skip
    mosaic = ready_mosaic(textured_gray(600, 400), case=case, original_filename=f"mx-scan-{tag}.tif",
                          checksum="ab" * 32)  # fmt: skip
    # The mosaic being read: both reads open, each with a region; the reader's has its diagnosis.
    own_open, peer_open = read_assign(mosaic=mosaic, readers=[reader, peer], by=lead)
    own_open = draw(own_open, [("atypical_honeycomb", square(20, 20, 60))])
    own_open = read_update_fields(read=own_open, by=reader, diagnosis="basal_cell_carcinoma",
                                  read_version=own_open.version)  # fmt: skip
    peer_open = draw(peer_open, [("atypical_cobblestone", square(200, 100, 80))])

    # Two mosaics whose reads are all submitted: one to adjudicate, one with a consensus already.
    case_done = CaseFactory(project=project, center=center, code=f"MXDONE{tag}", patient_code=f"MXPD{tag}")
    # These two are in the label set a training run is asked of: pyramids with their pixel size, as ingested.
    submitted = MosaicFactory(case=case_done, original_filename=f"mx-done-{tag}.tif")
    pyramid_with_pixel_size(submitted, textured_gray(400, 300, seed=1))
    own_sub, peer_sub = read_assign(mosaic=submitted, readers=[reader, peer], by=lead)
    own_sub = submit(own_sub, [("atypical_honeycomb", square(10, 10, 50))])
    peer_sub = submit(peer_sub, [("atypical_honeycomb", square(30, 30, 50))])
    # Another patient: the label set then has a training and a validation split.
    case_adj = CaseFactory(project=project, center=center, code=f"MXADJ{tag}", patient_code=f"MXPA{tag}")
    adjudicated = MosaicFactory(case=case_adj, original_filename=f"mx-adj-{tag}.tif")
    pyramid_with_pixel_size(adjudicated, textured_gray(400, 300, seed=2))
    first, second = read_assign(mosaic=adjudicated, readers=[reader, peer], by=lead)
    submit(first, [("atypical_honeycomb", square(10, 10, 60))])
    submit(second, [("atypical_cobblestone", square(150, 150, 60))])
    consensus = consensus_create(mosaic=adjudicated, by=lead)

    labelset = labelset_create(project=project, by=lead, policy="union",
                               split_fractions={"train": 0.5, "val": 0.5, "test": 0.0})  # fmt: skip
    labelset = labelset_build(labelset_id=labelset.pk)
    assert labelset.status == "complete", labelset.failure_reason

    # The AI layer and training, made as records (no real model runs here: the views only read them).
    aided = aided_read_start(read=Read.objects.get(pk=first.pk), by=reader)
    models = ai_models(project, labelset, tag)
    for ai_mosaic in (mosaic, submitted, adjudicated):
        predicted(ai_mosaic, models["model.active"], tag)

    content = tiny_tiff()
    upload = upload_session_create(case=case, filename=f"mx-upload-{tag}.tif", size=len(content),
                                   by=users[Caller.CONTRIBUTOR])  # fmt: skip
    upload = upload_session_append(session=upload, offset=0, length=len(content), body=io.BytesIO(content))

    def region_of(read: Read) -> Region:
        region = read.regions.order_by("pk").first()
        assert region is not None
        return region

    world = World(project=project, center=center, case=case, mosaic=mosaic, users=users, peer=peer)
    world.targets = {
        "-": None,
        "project": project,
        "center": center,
        "case": case,
        "case.reference": case,
        "mosaic": mosaic,
        "mosaic.file": mosaic,
        "mosaic.submitted": submitted,
        "read.own.open": own_open,
        "read.peer.open": peer_open,
        "read.own.submitted": own_sub,
        "read.peer.submitted": peer_sub,
        "read.consensus": consensus,
        "region.own.open": region_of(own_open),
        "region.peer.open": region_of(peer_open),
        "region.peer.submitted": region_of(peer_sub),
        "labelset": labelset,
        "upload": upload,
        "read.aided": aided,
        **models,
    }
    world.targets["labelset.file"] = MANIFEST_NAME
    world.upload_bytes = content
    world.secrets = [case.code, case.patient_code, case_done.code, case_done.patient_code, case_adj.code,
                     case_adj.patient_code, mosaic.original_filename,
                     submitted.original_filename, peer.get_username(), reader.get_username(),
                     upload.filename]  # fmt: skip
    return world




def ai_models(project: Project, labelset: Any, tag: str) -> dict[str, Any]:
    """An active model (what runs), a candidate (to promote), its training run and evaluation: records only."""

    def model(name: str, status: str) -> RegisteredModel:
        return RegisteredModel.objects.create(
            project=project, name=f"mx-{name}-{tag}", kind="classifier", arch="resnet18", config={},
            weights_path=f"models/mx-{name}.pt", config_path=f"models/mx-{name}.json", weights_sha256="0" * 64,
            config_sha256="0" * 64, status=status, label_set=labelset,
        )  # fmt: skip

    active, candidate = model("active", "active"), model("candidate", "candidate")
    run = TrainingRun.objects.create(project=project, labelset=labelset, arch="resnet18", config={}, seed=0,
                                     status="succeeded", registered_model=candidate)  # fmt: skip
    png = bytes(pyvips.Image.black(4, 4).pngsave_buffer())
    evaluation = Evaluation.objects.create(model=candidate, labelset=labelset, split="test", report={},
                                           reader_agreement={}, roc_tile_png=png, roc_mosaic_png=png)  # fmt: skip
    return {"model.active": active, "model": candidate, "run.training": run, "evaluation": evaluation}


def predicted(mosaic: Mosaic, model: RegisteredModel, tag: str) -> PredictionRun:
    """A finished prediction run of ``model`` on ``mosaic``: one suggestion and a heatmap file."""
    heatmap = f"predictions/mx-{tag}-{mosaic.pk}.png"
    path = media_path(heatmap)
    path.parent.mkdir(parents=True, exist_ok=True)
    pyvips.Image.black(8, 8, bands=4).pngsave(str(path))
    run = PredictionRun.objects.create(mosaic=mosaic, model=model, status="done", progress=100, score=0.9,
                                       threshold=0.5, grid_rows=1, grid_cols=1, tile_size=64, map_downsample=8,
                                       heatmap_path=heatmap)  # fmt: skip
    Suggestion.objects.create(run=run, label="atypical_honeycomb", geometry=square(100, 100, 60), score=0.9,
                              mean_probability=0.8, area_px=3600, min_x=100, min_y=100, max_x=160,
                              max_y=160)  # fmt: skip
    return run
