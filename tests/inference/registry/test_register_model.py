"""``register_model``: a model trained elsewhere is recorded only after it loads and runs."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError
from safetensors.torch import load_file, save_file

from annotations.models import Role
from inference.ml.model_files import save_model, sha256_of
from inference.ml.models import create_model
from inference.models import ModelStatus, RegisteredModel
from inference.services.registry import model_activate, model_files, model_register
from inference.storage import model_dir
from tests.factories import ProjectFactory, member
from tests.inference.ml.builders import tiny_classifier_config

pytestmark = pytest.mark.django_db
ARCH = "test_efficientnet"


@pytest.fixture
def trained_elsewhere(tmp_path: Path) -> tuple[Path, Path]:
    config = tiny_classifier_config(arch=ARCH)
    saved = save_model(create_model(config), config, tmp_path / "cluster-run-12")
    return saved.weights_path, saved.config_path


def register(*argv: str) -> list[str]:
    out = io.StringIO()
    call_command("register_model", *argv, stdout=out)
    return out.getvalue().strip().splitlines()


def test_a_good_model_is_recorded_with_its_checksums_and_its_id_last(trained_elsewhere: tuple[Path, Path]) -> None:
    project = ProjectFactory(slug="face")
    weights, config = trained_elsewhere
    lines = register("--project", "face", "--weights", str(weights), "--config", str(config), "--name", "run 12")
    model = RegisteredModel.objects.get()
    assert lines[-1] == str(model.pk)
    assert (model.project, model.name, model.kind, model.arch, model.status) == (project, "run 12", "classifier", ARCH, "candidate")
    assert model.weights_sha256 == sha256_of(weights) and model.config_sha256 == sha256_of(config)
    stored_weights, stored_config = model_files(model=model)
    assert stored_weights.is_relative_to(model_dir(model.pk)) and stored_weights.read_bytes() == weights.read_bytes()
    assert json.loads(stored_config.read_text()) == model.config == json.loads(config.read_text())


@pytest.mark.parametrize(
    ("break_it", "named", "reason"),
    [
        ("missing weights", "model.safetensors", "not found"),
        ("unknown architecture", "config.json", "no_such_net"),
        ("wrong shape", "model.safetensors", "shape"),
        ("bad field", "config.json", "tile_size"),
    ],
)
def test_a_bad_model_is_refused_naming_the_file_and_nothing_is_recorded(
    trained_elsewhere: tuple[Path, Path], break_it: str, named: str, reason: str
) -> None:
    ProjectFactory(slug="face")
    weights, config = trained_elsewhere
    data = json.loads(config.read_text())
    if break_it == "missing weights":
        weights.unlink()
    elif break_it == "unknown architecture":
        config.write_text(json.dumps({**data, "arch": "no_such_net"}))
    elif break_it == "bad field":
        config.write_text(json.dumps({**data, "tile_size": -3}))
    else:
        state = load_file(str(weights))
        name = next(key for key, tensor in state.items() if tensor.ndim == 4)
        state[name] = state[name][:, :, :1, :1].contiguous()
        save_file(state, str(weights))
    models_root = model_dir(0).parent
    before = sorted(models_root.rglob("*")) if models_root.exists() else []
    with pytest.raises(CommandError) as error:
        register("--project", "face", "--weights", str(weights), "--config", str(config))
    assert named in str(error.value) and reason in str(error.value), error.value
    assert "\n" not in str(error.value)
    assert not RegisteredModel.objects.exists()
    assert (sorted(models_root.rglob("*")) if models_root.exists() else []) == before


def test_one_active_model_per_kind_the_previous_one_is_retired(trained_elsewhere: tuple[Path, Path]) -> None:
    project = ProjectFactory()
    lead = member(project, Role.LEAD)
    first = model_register(project=project, weights=trained_elsewhere[0], config=trained_elsewhere[1], by=lead)
    second = model_register(project=project, weights=trained_elsewhere[0], config=trained_elsewhere[1], by=lead)
    model_activate(model=first, by=lead, reason="validated on the test split")
    model_activate(model=second, by=lead, reason="beats model 1")
    first.refresh_from_db()
    assert (first.status, second.status) == (ModelStatus.RETIRED, ModelStatus.ACTIVE)
    assert first.status_reason == f"replaced by model {second.pk}" and second.status_changed_by == lead
    with pytest.raises(IntegrityError):
        RegisteredModel.objects.filter(pk=first.pk).update(status=ModelStatus.ACTIVE)


def test_only_leads_register_models(trained_elsewhere: tuple[Path, Path]) -> None:
    from django.core.exceptions import PermissionDenied

    project = ProjectFactory()
    reader = member(project, Role.READER)
    with pytest.raises(PermissionDenied):
        model_register(project=project, weights=trained_elsewhere[0], config=trained_elsewhere[1], by=reader)
    assert not RegisteredModel.objects.exists()
