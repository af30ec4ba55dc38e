"""``import_mosaics``: a center's bulk contribution, with and without a CSV, safe to re-run."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from annotations.management.base import InputsFailed
from annotations.models import Case, Mosaic, MosaicStatus
from annotations.vocabulary import Diagnosis
from tests.factories import CenterFactory, ProjectFactory

from . import images
from .vivablocks import make_vivablock

pytestmark = pytest.mark.django_db


@pytest.fixture
def contribution(tmp_path: Path) -> Path:
    folder = tmp_path / "NAP-2024"
    folder.mkdir()
    images.write(folder / "lesion 01.png", images.gray8(700, 500, seed=1))
    images.write(folder / "lesion-02.tif", images.gray8(600, 400, seed=2), tile=True)
    images.write_bmp(folder / "lesion-03.bmp", images.gray8(500, 300, seed=3))
    return folder


@pytest.fixture
def place(db: None) -> tuple[str, str]:
    project, center = ProjectFactory(slug="face"), CenterFactory(code="NAP")
    project.centers.add(center)
    return project.slug, center.code


def run(*argv: str, failing: int = 0) -> str:
    """The command's output; with ``failing`` it must end in an error naming that many failed inputs."""
    out = io.StringIO()
    if not failing:
        call_command("import_mosaics", *argv, stdout=out, verbosity=0)
        return out.getvalue()
    with pytest.raises(InputsFailed) as error:
        call_command("import_mosaics", *argv, stdout=out, verbosity=0)
    assert error.value.failed == failing and error.value.returncode == 1
    return out.getvalue()


def test_without_csv_each_file_is_its_own_case_and_patient(contribution: Path, place) -> None:
    output = run(str(contribution), "--project", place[0], "--center", place[1])
    assert output.startswith("imported 3, skipped 0, failed 0")
    assert sorted(Case.objects.values_list("code", "patient_code")) == [
        ("lesion-01", "lesion-01"), ("lesion-02", "lesion-02"), ("lesion-03", "lesion-03"),
    ]  # fmt: skip
    assert set(Mosaic.objects.values_list("status", flat=True)) == {MosaicStatus.READY}


def test_rerun_skips_what_was_imported_by_checksum(contribution: Path, place) -> None:
    run(str(contribution), "--project", place[0], "--center", place[1])
    renamed = contribution / "copy-of-lesion-02.tif"
    renamed.write_bytes((contribution / "lesion-02.tif").read_bytes())
    output = run(str(contribution), "--project", place[0], "--center", place[1])
    assert output.startswith("imported 0, skipped 4, failed 0")
    assert "same SHA-256" in output
    assert Mosaic.objects.count() == 3


def test_csv_assigns_cases_patients_and_diagnoses(contribution: Path, place, tmp_path: Path) -> None:
    csv = tmp_path / "cases.csv"
    csv.write_text(
        "file,case,patient,diagnosis,site,histopathology\n"
        "lesion 01.png,C1,P1,lma,Cheek,yes\n"
        "lesion-02.tif,C1,P1,Lentigo maligna,,\n"
        "lesion-03.bmp,C2,P2,BCC,nose,no\n"
    )
    output = run(str(contribution), "--project", place[0], "--center", place[1], "--metadata", str(csv))
    assert output.startswith("imported 3, skipped 0, failed 0")
    first = Case.objects.get(code="C1")
    assert (first.patient_code, first.diagnosis, first.site, first.histopathology_confirmed) == (
        "P1", Diagnosis.ATYPICAL_MELANOCYTIC, "cheek", True,
    )  # fmt: skip
    assert first.mosaics.count() == 2
    assert Case.objects.get(code="C2").diagnosis == Diagnosis.BASAL_CELL_CARCINOMA


def test_csv_with_only_the_required_columns_works(contribution: Path, place, tmp_path: Path) -> None:
    csv = tmp_path / "cases.csv"
    csv.write_text("file,case\nlesion-02.tif,K7\n")
    output = run(
        str(contribution / "lesion-02.tif"), "--project", place[0], "--center", place[1], "--metadata", str(csv)
    )
    assert output.startswith("imported 1")
    assert Case.objects.get(code="K7").patient_code == "K7"


def test_bad_rows_and_bad_files_fail_with_reasons_and_leave_nothing(contribution: Path, place, tmp_path: Path) -> None:
    cut = contribution / "lesion-04.png"
    data = images.write(tmp_path / "x.png", images.gray8(900, 900, seed=9)).read_bytes()
    cut.write_bytes(data[: len(data) // 3])
    csv = tmp_path / "cases.csv"
    csv.write_text(
        "file,case,patient,diagnosis\n"
        "lesion 01.png,C1,P1,not-a-disease\n"
        "lesion-02.tif,C2,P2,ak\n"
        "lesion-04.png,C4,P4,sk\n"
    )
    output = run(str(contribution), "--project", place[0], "--center", place[1], "--metadata", str(csv), failing=3)
    assert output.startswith("imported 1, skipped 0, failed 3"), output
    assert "unknown diagnosis 'not-a-disease'" in output
    assert "lesion-03.bmp: lesion-03.bmp is not listed in the metadata CSV" in output
    assert "lesion-04.png: the image data is truncated" in output
    assert list(Case.objects.values_list("code", flat=True)) == ["C2"]
    assert Mosaic.objects.count() == 1


def test_a_vivablock_folder_is_one_mosaic(place, tmp_path: Path) -> None:
    make_vivablock(tmp_path / "VivaBlock #3", columns=3, rows=2, order="serpentine")
    output = run(str(tmp_path / "VivaBlock #3"), "--project", place[0], "--center", place[1],
                 "--grid", "3x2", "--serpentine")  # fmt: skip
    assert output.startswith("imported 1")
    mosaic = Mosaic.objects.get()
    assert (mosaic.width, mosaic.height, mosaic.case.code) == (360, 240, "VivaBlock-3")
    assert mosaic.source_info["grid"] == {"columns": 3, "rows": 2, "order": "serpentine"}


def test_unknown_project_is_a_one_line_error(contribution: Path) -> None:
    with pytest.raises(CommandError, match="no project"):
        run(str(contribution), "--project", "nope", "--center", "NAP")
