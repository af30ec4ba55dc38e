"""A project with a lead, readers and an active known-answer model, and patterned ready mosaics."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from annotations.models import Case, Center, Mosaic, Project, Role
from inference.models import RegisteredModel
from inference.services.registry import model_activate, model_register
from tests.annotations.test_api_contract import contract  # noqa: F401 - the schema fixture, for test_api
from tests.factories import CaseFactory, CenterFactory, ProjectFactory, member
from tests.inference.preannotation.known_model import brightness_model
from tests.mosaic_builders import ready_mosaic

TILE = 64  # model tile px at 0.5 µm/px = level-0 px of the 0.5 µm/px mosaics: 32 µm, 1,024 µm² per tile
ROWS, COLS = 4, 6
BRIGHT = {(1, 2), (1, 3), (2, 2), (2, 3)}  # a 2 × 2-tile bright square: one suggestion of 128 × 128 px


def level(row: int, col: int) -> int:
    """The flat grey of tile (row, col); the last column is black background, skipped by the splitter."""
    if col == COLS - 1:
        return 0
    return 245 if (row, col) in BRIGHT else 40 + 12 * row + 5 * col


def patterned_pixels() -> np.ndarray:
    pixels = np.zeros((ROWS * TILE, COLS * TILE), dtype=np.uint8)
    for row in range(ROWS):
        for col in range(COLS):
            pixels[row * TILE : (row + 1) * TILE, col * TILE : (col + 1) * TILE] = level(row, col)
    return pixels


@dataclass
class Lab:
    project: Project
    center: Center
    case: Case
    lead: Any
    reader: Any
    other_reader: Any
    contributor: Any
    model: RegisteredModel

    def mosaic(self) -> Mosaic:
        return ready_mosaic(patterned_pixels(), case=self.case, width=COLS * TILE, height=ROWS * TILE, um_per_px=0.5)


def make_lab(tmp_path: Path, **project_fields: Any) -> Lab:
    project = ProjectFactory(keep_originals=True, **project_fields)
    center = CenterFactory()
    project.centers.add(center)
    saved = brightness_model(tmp_path / "trained-elsewhere", tile_size=TILE, threshold=0.9)
    model = model_register(project=project, weights=saved.weights_path, config=saved.config_path, by=None, name="bright")
    model_activate(model=model, by=None, reason="test")
    return Lab(
        project=project, center=center, case=CaseFactory(project=project, center=center),
        lead=member(project, Role.LEAD), reader=member(project, Role.READER),
        other_reader=member(project, Role.READER), contributor=member(project, Role.CONTRIBUTOR, center), model=model,
    )  # fmt: skip


@pytest.fixture
def lab(db: None, tmp_path: Path) -> Lab:
    return make_lab(tmp_path)
