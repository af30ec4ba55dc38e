"""``manage.py import_labels``: files become readers' reads; a bad file fails alone and the exit says so."""

import io
import json
from pathlib import Path

import nrrd
import numpy as np
import pytest
import tifffile
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from annotations.models import Provenance, Read, ReadRevision, ReadStatus, Region
from tests.annotations.studies import make_study

WIDTH, HEIGHT = 400, 200


def square_mask(value: int = 1, dtype: type = np.uint8) -> np.ndarray:
    mask = np.zeros((HEIGHT, WIDTH), dtype)
    mask[20:120, 40:140] = value
    return mask


def run(*argv: str) -> tuple[str, CommandError | None]:
    out = io.StringIO()
    try:
        call_command("import_labels", *argv, stdout=out, verbosity=0)
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None


@pytest.mark.django_db
def test_the_good_file_is_imported_and_the_bad_ones_are_named_with_a_non_zero_exit(tmp_path: Path) -> None:
    study = make_study()
    good, wrong_size, unknown = (study.mosaic(name, patient=name) for name in ("good", "small", "odd"))
    Image.fromarray(square_mask()).save(tmp_path / "good.png")
    Image.fromarray(np.zeros((100, 200), np.uint8)).save(tmp_path / "small.png")
    Image.fromarray(square_mask(7) + square_mask(3)[::-1]).save(tmp_path / "odd_mask.png")

    output, error = run(str(tmp_path), "--project", study.project.slug, "--reader", "ann")

    assert error is not None and error.returncode == 1
    assert "imported 1, failed 2" in output
    assert "small.png -> mosaic" in output and "the PNG mask is 200 x 100 px but the mosaic is 400 x 200 px" in output
    assert "odd_mask.png -> mosaic" in output and "label values 3, 7" in output
    [read] = Read.objects.filter(reader__username="ann")
    assert read.mosaic_id == good.pk and read.status == ReadStatus.IN_PROGRESS
    [region] = Region.objects.filter(read=read)
    assert (region.label, region.provenance, region.area_px) == ("other_suspicious", Provenance.IMPORTED, 100 * 100)
    assert ReadRevision.objects.get(read=read, number=read.version).action == "import"
    assert not Read.objects.filter(mosaic__in=[wrong_size, unknown]).exists()  # nothing for the failed mosaics


@pytest.mark.django_db
def test_tiff_nrrd_and_qupath_geojson_are_imported_and_submitted_with_the_csv_diagnosis(tmp_path: Path) -> None:
    study = make_study()
    tiff, volume, qupath = (study.mosaic(name, patient=name, diagnosis="") for name in ("t1", "n1", "q1"))
    tifffile.imwrite(tmp_path / "tiff-labels.tif", square_mask(2, np.uint16))
    nrrd.write(str(tmp_path / "seg.nrrd"), square_mask(2).reshape(1, HEIGHT, WIDTH), index_order="C")
    feature = {
        "type": "Feature",
        "properties": {"objectType": "annotation", "classification": {"name": "Tumor"}},
        "geometry": {"type": "Polygon", "coordinates": [[[10, 10], [90, 10], [90, 60], [10, 60], [10, 10]]]},
    }
    (tmp_path / "export.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    (tmp_path / "map.csv").write_text(
        f"file,mosaic,diagnosis\ntiff-labels.tif,{tiff.pk},BCC\nseg.nrrd,n1,AK\nexport.geojson,q1,solar lentigo\n"
    )

    output, error = run(str(tmp_path / "tiff-labels.tif"), str(tmp_path / "seg.nrrd"), str(tmp_path / "export.geojson"),
                        "--project", study.project.slug, "--reader", "bob", "--submit", "--mapping",
                        str(tmp_path / "map.csv"), "--label-map", "2=clefting", "Tumor=dark_shadows")  # fmt: skip

    assert error is None, output
    reads = {read.mosaic_id: read for read in Read.objects.filter(reader__username="bob")}
    assert {m: (r.status, r.diagnosis) for m, r in reads.items()} == {
        tiff.pk: ("submitted", "basal_cell_carcinoma"), volume.pk: ("submitted", "actinic_keratosis"),
        qupath.pk: ("submitted", "solar_lentigo")}  # fmt: skip
    labels = {read.mosaic_id: set(read.regions.values_list("label", flat=True)) for read in reads.values()}
    assert labels == {tiff.pk: {"clefting"}, volume.pk: {"clefting"}, qupath.pk: {"dark_shadows"}}


@pytest.mark.django_db
def test_submit_without_any_diagnosis_is_refused_for_that_mosaic(tmp_path: Path) -> None:
    study = make_study()
    study.mosaic("nodx", patient="p", diagnosis="")
    with_case_diagnosis = study.mosaic("withdx", patient="q", diagnosis="actinic_keratosis")
    Image.fromarray(square_mask()).save(tmp_path / "nodx.png")
    Image.fromarray(np.zeros((HEIGHT, WIDTH), np.uint8)).save(tmp_path / "withdx.png")  # a negative read

    output, error = run(str(tmp_path), "--project", study.project.slug, "--reader", "ann", "--submit")

    assert error is not None and "--submit needs a diagnosis" in output
    [read] = Read.objects.filter(reader__username="ann")
    assert (read.mosaic_id, read.status, read.no_suspicious_area) == (with_case_diagnosis.pk, "submitted", True)
