"""The model format: config checks, save → load round trips, and every bad file refused with its name."""

import json
from pathlib import Path
from typing import Any

import pytest
import torch
from safetensors.torch import load_file, save_file

from inference.ml.model_config import ModelConfig, ModelConfigError, ModelLoadError, load_config
from inference.ml.model_files import CONFIG_NAME, WEIGHTS_NAME, SavedModel, load_model, save_model, sha256_of
from inference.ml.models import create_model, default_config, prepare_batch
from tests.inference.ml.builders import tiny_classifier_config

ARCH = "test_efficientnet"


@pytest.fixture
def saved(tmp_path: Path) -> tuple[Path, Path, ModelConfig]:
    config = tiny_classifier_config(32, arch=ARCH)
    files = save_model(create_model(config), config, tmp_path / "model")
    return files.weights_path, files.config_path, config


def _round_trip(config: ModelConfig, directory: Path, tiles: int) -> tuple[Any, Any, ModelConfig, SavedModel]:
    """(outputs before saving, outputs after loading, the loaded config, the files) on the same random tiles."""
    torch.manual_seed(1)
    model = create_model(config).eval()
    files = save_model(model, config, directory)
    loaded, loaded_config = load_model(files.weights_path, files.config_path)
    batch = torch.randint(0, 256, (tiles, config.tile_size, config.tile_size), dtype=torch.uint8)
    with torch.inference_mode():
        return model(prepare_batch(batch, config)), loaded(prepare_batch(batch, loaded_config)), loaded_config, files


def test_save_then_load_gives_identical_outputs(tmp_path: Path) -> None:
    config = tiny_classifier_config(32, arch=ARCH)
    before, after, loaded_config, files = _round_trip(config, tmp_path, tiles=4)
    assert torch.equal(before, after) and loaded_config == config
    assert files.weights_sha256 == sha256_of(tmp_path / WEIGHTS_NAME) and len(files.config_sha256) == 64
    assert json.loads((tmp_path / CONFIG_NAME).read_text())["arch"] == ARCH


def test_detector_round_trip_keeps_its_detections(tmp_path: Path) -> None:
    before, after, _, _ = _round_trip(default_config("detector", "maskrcnn_resnet18_fpn", tile_size=64), tmp_path, 1)
    assert torch.equal(before[0]["scores"], after[0]["scores"]) and torch.equal(before[0]["masks"], after[0]["masks"])


def test_study_detector_builds_with_three_channel_replication() -> None:
    config = default_config("detector", "maskrcnn_resnet50_fpn", tile_size=64)
    model = create_model(config).eval()
    assert model.backbone.body.conv1.in_channels == 3  # torchvision's network unchanged: grey is replicated
    assert list(model.transform.image_mean) == [config.mean[0]] * 3
    with torch.inference_mode():
        out = model(prepare_batch(torch.zeros((1, 64, 64), dtype=torch.uint8), config))
    assert set(out[0]) == {"boxes", "labels", "scores", "masks"}


def test_fixed_size_architectures_are_built_for_the_tile_size() -> None:
    config = tiny_classifier_config(64, arch="test_vit")
    with torch.inference_mode():
        logits = create_model(config).eval()(prepare_batch(torch.zeros((2, 64, 64), dtype=torch.uint8), config))
    assert logits.shape == (2, 1)


def test_missing_weights_file_is_named(saved: tuple[Path, Path, ModelConfig], tmp_path: Path) -> None:
    _, config_path, _ = saved
    with pytest.raises(ModelLoadError, match=r"nothere\.safetensors: weights file not found"):
        load_model(tmp_path / "nothere.safetensors", config_path)


def test_unreadable_weights_file_is_named(saved: tuple[Path, Path, ModelConfig], tmp_path: Path) -> None:
    _, config_path, _ = saved
    garbage = tmp_path / "garbage.safetensors"
    garbage.write_bytes(b"not a safetensors file at all")
    with pytest.raises(ModelLoadError, match=r"garbage\.safetensors: not a readable safetensors file"):
        load_model(garbage, config_path)


def test_missing_config_file_is_named(saved: tuple[Path, Path, ModelConfig], tmp_path: Path) -> None:
    weights, _, _ = saved
    with pytest.raises(ModelConfigError, match=r"absent\.json: config file not found"):
        load_model(weights, tmp_path / "absent.json")


def _write_config(path: Path, **changes: object) -> Path:
    data = tiny_classifier_config(32, arch=ARCH).to_json()
    for key, value in changes.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"tile_size": None}, r"missing field\(s\) 'tile_size'"),
        ({"tile_size": -3}, r"field 'tile_size' must be a positive integer, got -3"),
        ({"kind": "segmenter"}, r"field 'kind' must be one of"),
        ({"mean": [0.4, 0.4]}, r"field 'mean' must be one value per input channel \(1\)"),
        ({"std": [0.0]}, r"field 'std' must be positive"),
        ({"threshold": 1.5}, r"field 'threshold' must be a probability"),
        ({"num_classes": 3}, r"field 'num_classes' must be 1 for a classifier"),
        ({"colour": "red"}, r"unknown field\(s\) 'colour'"),
    ],
)
def test_bad_config_field_is_named_with_the_file(
    saved: tuple[Path, Path, ModelConfig], tmp_path: Path, changes: dict[str, object], message: str
) -> None:
    weights, _, _ = saved
    bad = _write_config(tmp_path / "bad-config.json", **changes)
    with pytest.raises(ModelConfigError, match=r"bad-config\.json: " + message):
        load_model(weights, bad)


def test_config_that_is_not_json_is_named(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text("{kind: classifier")
    with pytest.raises(ModelConfigError, match=r"broken\.json: not valid JSON"):
        load_config(tmp_path / "broken.json")


def test_unknown_architecture_is_refused_with_the_config_named(
    saved: tuple[Path, Path, ModelConfig], tmp_path: Path
) -> None:
    weights, _, _ = saved
    bad = _write_config(tmp_path / "arch.json", arch="efficientnet_b99")
    with pytest.raises(
        ModelLoadError, match=r"arch\.json: field 'arch': 'efficientnet_b99' is not in timm's model registry"
    ):
        load_model(weights, bad)


def test_weights_of_another_architecture_are_refused(saved: tuple[Path, Path, ModelConfig], tmp_path: Path) -> None:
    _, config_path, _ = saved
    other = tiny_classifier_config(32, arch="test_resnet")
    files = save_model(create_model(other), other, tmp_path / "other")
    with pytest.raises(
        ModelLoadError, match=r"other/model\.safetensors: weights do not fit this architecture: .*missing key"
    ):
        load_model(files.weights_path, config_path)


def test_weights_of_the_wrong_shape_are_refused(saved: tuple[Path, Path, ModelConfig], tmp_path: Path) -> None:
    weights, config_path, _ = saved
    state = load_file(str(weights))
    name = next(key for key, tensor in state.items() if tensor.dim() == 4)
    state[name] = torch.zeros((*state[name].shape[:-1], state[name].shape[-1] + 2))
    reshaped = tmp_path / "reshaped.safetensors"
    save_file(state, str(reshaped))
    with pytest.raises(
        ModelLoadError, match=rf"reshaped\.safetensors.*1 tensor\(s\) of the wrong shape, e\.g\. {name}"
    ):
        load_model(reshaped, config_path)


def test_unexpected_keys_are_refused(saved: tuple[Path, Path, ModelConfig], tmp_path: Path) -> None:
    weights, config_path, _ = saved
    state = {**load_file(str(weights)), "extra.head.weight": torch.zeros(3)}
    extra = tmp_path / "extra.safetensors"
    save_file(state, str(extra))
    with pytest.raises(ModelLoadError, match=r"extra\.safetensors.*1 unexpected key\(s\), e\.g\. extra\.head\.weight"):
        load_model(extra, config_path)


def test_default_config_takes_grey_statistics_from_timm() -> None:
    config = default_config("classifier", "efficientnet_b0")
    assert config.mean == (round((0.485 + 0.456 + 0.406) / 3, 4),) and config.in_chans == 1
    assert ModelConfig.from_json(config.to_json()) == config
