"""Label-set snapshots from the database: versions, policies, stable patient splits, immutability.

The files themselves (masks, COCO, tiles, manifest) are tested on the writer
(``test_snapshot_files``); here, what the platform puts in, records and refuses.
"""

import csv
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image
from pycocotools.coco import COCO

from annotations.labelsets.writer import LabelSetWriter
from annotations.models import LabelSet, LabelSetStatus, PatientSplit
from annotations.selectors.labelsets import labelset_root, labelset_verify
from annotations.services.adjudication import consensus_create
from annotations.services.labelsets import labelset_build, labelset_create
from annotations.services.reads import read_submit, read_update_fields
from tests.annotations.agreement.regions import rect
from tests.annotations.studies import Study, make_study, submit

DIAGNOSES = ["actinic_keratosis", "basal_cell_carcinoma", "solar_lentigo"]


def read_mosaics(study: Study, count: int, *, start: int = 0) -> list[Any]:
    """``count`` mosaics of ``count`` patients, each read by both readers (overlapping squares)."""
    mosaics = []
    for index in range(start, start + count):
        mosaic = study.mosaic(f"m{index}", patient=f"P{index}", diagnosis=DIAGNOSES[index % 3])
        read_a, read_b = study.assign(mosaic, "ann", "bob")
        submit(read_a, [("clefting", rect(0, 0, 100, 100))])
        submit(read_b, [("clefting", rect(50, 0, 150, 100))])
        mosaics.append(mosaic)
    return mosaics


def export(study: Study, out: Path, *options: str) -> list[str]:
    stdout = io.StringIO()
    call_command("export_labelset", "--project", study.project.slug, "--out", str(out), *options, stdout=stdout,
                 verbosity=0)  # fmt: skip
    return stdout.getvalue().strip().splitlines()


@pytest.mark.django_db
def test_two_snapshots_keep_every_patients_split_and_their_files_verify(tmp_path: Path) -> None:
    study = make_study()
    read_mosaics(study, 12)

    lines = export(study, tmp_path, "--seed", "3")
    assert lines[-1] == "1"  # the last line is the snapshot's version
    first = LabelSet.objects.get(project=study.project, version=1)
    assert (first.status, first.mosaic_count, first.patient_count, first.seed) == ("complete", 12, 12, 3)
    root = labelset_root(first)
    assert root == tmp_path / f"{study.project.slug}-labelset-v1" and labelset_verify(labelset=first) == []
    with (root / "mosaics.csv").open() as stream:
        v1 = {row["patient"]: row["split"] for row in csv.DictReader(stream)}
    assert {"train", "val"} <= set(v1.values()) <= {"train", "val", "test"}
    coco = COCO(str(root / "coco_instances.json"))
    # Intersection of the two reads (the consensus policy's fallback): one 50 x 100 instance per mosaic.
    assert [ann["area"] for ann in coco.loadAnns(coco.getAnnIds())] == [5000] * 12
    assert int(coco.annToMask(coco.loadAnns(coco.getAnnIds())[0]).sum()) == 5000

    read_mosaics(study, 8, start=12)
    assert export(study, tmp_path, "--seed", "99")[-1] == "2"
    second = LabelSet.objects.get(project=study.project, version=2)
    with (labelset_root(second) / "mosaics.csv").open() as stream:
        v2 = {row["patient"]: row["split"] for row in csv.DictReader(stream)}
    assert len(v2) == 20 and all(v2[patient] == split for patient, split in v1.items())
    assert dict(PatientSplit.objects.filter(project=study.project).values_list("patient", "split")) == v2
    assert labelset_verify(labelset=first) == [] and labelset_verify(labelset=second) == []


@pytest.mark.django_db
def test_a_tampered_file_is_detected(tmp_path: Path) -> None:
    study = make_study()
    read_mosaics(study, 2)
    export(study, tmp_path)
    labelset = LabelSet.objects.get(project=study.project)
    tiles = labelset_root(labelset) / "tiles.csv"
    tiles.write_text(tiles.read_text().replace(",1,clefting", ",0,clefting", 1))

    assert labelset_verify(labelset=labelset) == ["tiles.csv: changed (SHA-256 differs from the manifest)"]
    out = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("verify_labelset", "--project", study.project.slug, "1", stdout=out)
    assert failed.value.returncode == 1 and "tiles.csv: changed" in out.getvalue()
    manifest = labelset_root(labelset) / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"sha256"', '"sha256" ', 1))  # rewritten to hide it
    assert any("manifest.json: changed" in problem for problem in labelset_verify(labelset=labelset))


@pytest.mark.django_db
def test_an_interrupted_export_leaves_no_complete_snapshot_and_no_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    study = make_study()
    read_mosaics(study, 3)
    original = LabelSetWriter.add
    written: list[int] = []

    def fail_on_the_second(writer: LabelSetWriter, mosaic: Any) -> None:
        if written:
            raise OSError("disk full")
        written.append(mosaic.id)
        original(writer, mosaic)

    monkeypatch.setattr(LabelSetWriter, "add", fail_on_the_second)
    with pytest.raises(CommandError, match="failed: OSError: disk full") as failed:
        export(study, tmp_path)
    assert failed.value.returncode == 1
    labelset = LabelSet.objects.get(project=study.project)
    assert labelset.status == LabelSetStatus.FAILED and "disk full" in labelset.failure_reason
    assert list(tmp_path.iterdir()) == []  # neither the snapshot nor its .partial folder
    assert not PatientSplit.objects.exists() and not labelset.mosaics.exists()

    monkeypatch.setattr(LabelSetWriter, "add", original)
    assert export(study, tmp_path)[-1] == "2"  # the next export takes the next version, complete
    assert [p.name for p in tmp_path.iterdir()] == [f"{study.project.slug}-labelset-v2"]


@pytest.mark.django_db
def test_policies_choose_which_reads_go_in_and_record_their_versions(tmp_path: Path) -> None:
    study = make_study(["ann", "bob", "cid"])
    adjudicated, read_twice, half_read = read_mosaics(study, 3)
    consensus = consensus_create(mosaic=adjudicated, by=study.lead, start="union")
    consensus.refresh_from_db()
    consensus = read_update_fields(
        read=consensus, by=study.lead, diagnosis="actinic_keratosis", read_version=consensus.version
    )
    read_submit(read=consensus, by=study.lead, read_version=consensus.version)
    only_ann = study.mosaic("single", patient="P9")
    [read] = study.assign(only_ann, "ann")
    submit(read, [])
    [open_read] = study.assign(study.mosaic("open", patient="P10"), "cid")

    def build(policy: str) -> LabelSet:
        labelset = labelset_create(project=study.project, by=study.lead, policy=policy, out_dir=tmp_path)
        return labelset_build(labelset_id=labelset.pk)

    by_policy = build("consensus")
    sources = {row.mosaic_id: (row.source, row.region_count) for row in by_policy.mosaics.all()}
    assert sources == {adjudicated.pk: ("consensus", 1), read_twice.pk: ("intersection", 1),
                       half_read.pk: ("intersection", 1), only_ann.pk: ("intersection", 0)}  # fmt: skip
    [recorded] = by_policy.mosaics.get(mosaic=adjudicated).reads
    consensus.refresh_from_db()
    assert (recorded["read"], recorded["kind"], recorded["version"]) == (consensus.pk, "consensus", consensus.version)
    metadata = json.loads((labelset_root(by_policy) / "labels.json").read_text())["metadata"]
    assert metadata["mosaics"][str(adjudicated.pk)]["reads"] == [recorded]

    union = build("union")
    areas = {row.mosaic_id: row for row in union.mosaics.all()}
    assert areas[adjudicated.pk].source == "union" and len(areas[adjudicated.pk].reads) == 2
    ann_only = build("reader:ann")
    assert ann_only.mosaic_count == 4 and {r.source for r in ann_only.mosaics.all()} == {"reader"}
    assert open_read.mosaic_id not in {row.mosaic_id for row in ann_only.mosaics.all()}
    with pytest.raises(Exception, match="nothing to export"):
        labelset_create(project=study.project, by=study.lead, policy="reader:cid")
    mask = np.asarray(Image.open(next((labelset_root(union) / "masks").glob(f"{adjudicated.pk}_*.png"))))
    # The union, 150 x 100 px, at 1/4: the output pixels whose centres 4 (j + 0.5) < 150, 4 (i + 0.5) < 100.
    assert mask.shape == (50, 100) and int((mask > 0).sum()) == 38 * 25


@pytest.mark.django_db
def test_nothing_changes_a_complete_snapshot_through_the_api(tmp_path: Path, api_client_for: Any) -> None:
    study = make_study()
    read_mosaics(study, 1)
    export(study, tmp_path)
    labelset = LabelSet.objects.get(project=study.project)
    lead = api_client_for(study.lead)
    for method in ("put", "patch", "delete"):
        response = getattr(lead, method)(f"/api/labelsets/{labelset.pk}/", {"status": "failed"}, format="json")
        assert response.status_code == 405
    labelset.refresh_from_db()
    assert labelset.status == "complete" and labelset_verify(labelset=labelset) == []
    empty = make_study(["cy", "dee"])
    refused = api_client_for(empty.lead).post(f"/api/projects/{empty.project.slug}/labelsets/", {}, format="json")
    assert refused.status_code == 400 and "nothing to export" in refused.json()["policy"][0]
