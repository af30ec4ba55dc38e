"""Training: bad input refused up front, learning, exact resume after an interruption, DDP on CPU, detector steps."""

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from inference.ml.data.datasets import DetectorTiles, collate_detection
from inference.ml.data.instances import instances_from_coco, instances_from_polygons
from inference.ml.data.manifest import TileManifest
from inference.ml.model_files import load_model
from inference.ml.models import create_model, default_config, prepare_batch
from inference.ml.train.training import EpochRecord, TrainingInputError, TrainingSpec, check_training_inputs, train
from tests.inference.ml.builders import blocky_manifest, tiny_classifier_config

ROOT = Path(__file__).resolve().parents[3]
ARCH = "test_efficientnet"


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> TileManifest:
    return blocky_manifest(tmp_path_factory.mktemp("manifest"), mosaics=3, cells=8, tile=32)


def _spec(manifest: TileManifest, output: Path, **changes: object) -> TrainingSpec:
    spec = TrainingSpec(manifest=manifest, config=tiny_classifier_config(32, arch=ARCH), output_dir=output, epochs=2,
                        batch_size=32, lr=3e-3, num_workers=0, seed=7, patience=3)  # fmt: skip
    return replace(spec, **changes)  # type: ignore[arg-type]


def test_manifest_without_positive_tiles_is_refused(manifest: TileManifest, tmp_path: Path) -> None:
    negative = replace(manifest, tiles=[replace(tile, label=0) for tile in manifest.tiles])
    with pytest.raises(TrainingInputError, match=r"no positive tiles \(all 192 are labelled 0\)"):
        check_training_inputs(_spec(negative, tmp_path))


def test_unknown_architecture_is_refused(manifest: TileManifest, tmp_path: Path) -> None:
    config = replace(tiny_classifier_config(32, arch=ARCH), arch="efficientnet_b99")
    with pytest.raises(TrainingInputError, match="'efficientnet_b99' is not in timm's model registry"):
        check_training_inputs(_spec(manifest, tmp_path, config=config))


def test_pretrained_weights_of_the_wrong_shape_are_refused(manifest: TileManifest, tmp_path: Path) -> None:
    other = create_model(tiny_classifier_config(32, arch="test_resnet")).state_dict()
    save_file({k: v.contiguous() for k, v in other.items()}, str(tmp_path / "resnet.safetensors"))
    with pytest.raises(TrainingInputError, match=r"--pretrained-weights .*resnet\.safetensors: weights do not fit"):
        check_training_inputs(_spec(manifest, tmp_path, pretrained_weights=tmp_path / "resnet.safetensors"))
    with pytest.raises(TrainingInputError, match="weights file not found"):
        check_training_inputs(_spec(manifest, tmp_path, pretrained_weights=tmp_path / "absent.safetensors"))


def test_empty_or_one_class_split_is_refused(manifest: TileManifest, tmp_path: Path) -> None:
    all_train = replace(manifest, splits=dict.fromkeys(manifest.splits, "train"))
    with pytest.raises(TrainingInputError, match="the validation split is empty"):
        check_training_inputs(_spec(all_train, tmp_path))
    val_negative = replace(manifest, tiles=[replace(t, label=0) if t.mosaic == "m2" else t for t in manifest.tiles])
    with pytest.raises(TrainingInputError, match="validation split has only negative tiles"):
        check_training_inputs(_spec(val_negative, tmp_path))


def test_tiles_at_another_scale_are_refused(manifest: TileManifest, tmp_path: Path) -> None:
    with pytest.raises(TrainingInputError, match=r"tile row 0: cut at 0\.5 µm/px, but the model works at 1 µm/px"):
        check_training_inputs(_spec(manifest, tmp_path, config=tiny_classifier_config(32, arch=ARCH, um_per_px=1.0)))


def test_training_learns_and_writes_a_loadable_model_with_its_record(manifest: TileManifest, tmp_path: Path) -> None:
    epochs: list[EpochRecord] = []
    result = train(_spec(manifest, tmp_path / "run", epochs=3), on_epoch=epochs.append)
    assert [record.epoch for record in epochs] == [0, 1, 2]
    assert epochs[-1].train_loss < epochs[0].train_loss
    assert result.best_val_auroc > 0.8  # bright textured tiles vs dim ones: far above chance (0.5)
    assert result.saved is not None
    model, config = load_model(result.saved.weights_path, result.saved.config_path)
    assert config == tiny_classifier_config(32, arch=ARCH)
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    assert record["seed"] == 7 and record["environment"]["libraries"]["torch"] == torch.__version__.split("+")[0]
    assert len(record["environment"]["code"]["commit"]) == 40
    assert record["model"]["weights_sha256"] == result.saved.weights_sha256
    assert [item["val_auroc"] for item in record["history"]] == [r.val_auroc for r in epochs]


class Interrupted(Exception):
    pass


def test_interrupted_run_resumes_to_the_same_weights(manifest: TileManifest, tmp_path: Path) -> None:
    train(_spec(manifest, tmp_path / "whole", epochs=2))

    def stop_after_first_epoch(record: EpochRecord) -> None:
        if record.epoch == 0:
            raise Interrupted  # as if the worker were killed once epoch 0's checkpoint is on disk

    with pytest.raises(Interrupted):
        train(_spec(manifest, tmp_path / "resumed", epochs=2), on_epoch=stop_after_first_epoch)
    resumed_epochs: list[EpochRecord] = []
    result = train(_spec(manifest, tmp_path / "resumed", epochs=2), on_epoch=resumed_epochs.append)
    assert result.resumed_from_epoch == 1 and [r.epoch for r in resumed_epochs] == [1]
    assert [r.epoch for r in result.history] == [0, 1]
    whole = torch.load(tmp_path / "whole" / "checkpoint.pt", weights_only=False)["model"]
    resumed = torch.load(tmp_path / "resumed" / "checkpoint.pt", weights_only=False)["model"]
    assert all(torch.equal(whole[name], resumed[name]) for name in whole)


def test_checkpoint_of_another_run_is_not_resumed(manifest: TileManifest, tmp_path: Path) -> None:
    train(_spec(manifest, tmp_path, epochs=1))
    with pytest.raises(TrainingInputError, match=r"checkpoint of a different run \(lr differ\)"):
        train(_spec(manifest, tmp_path, epochs=1, lr=1e-2))


def _write_manifest(manifest: TileManifest, path: Path) -> Path:
    data = {
        "pyramids": {k: str(v) for k, v in manifest.pyramids.items()}, "patients": manifest.patients,
        "splits": manifest.splits, "tiles": [[t.mosaic, t.x, t.y, t.size, t.scale, t.labelled_fraction, t.label]
                                             for t in manifest.tiles],
    }  # fmt: skip
    path.write_text(json.dumps(data))
    return path


def _train_command(manifest_path: Path, output: Path) -> list[str]:
    return ["--manifest", str(manifest_path), "--output", str(output), "--arch", ARCH, "--tile-size", "32",
            "--epochs", "1", "--batch-size", "16", "--workers", "0", "--threads", "1", "--lr", "0.003"]  # fmt: skip


def test_ddp_on_cpu_with_gloo_and_two_processes(manifest: TileManifest, tmp_path: Path) -> None:
    manifest_path = _write_manifest(manifest, tmp_path / "manifest.json")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               "-m", "inference.ml.train", *_train_command(manifest_path, tmp_path / "ddp")]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == str(tmp_path / "ddp" / "model")
    record = json.loads((tmp_path / "ddp" / "run.json").read_text())
    assert record["world_size"] == 2 and 0 <= record["history"][0]["val_auroc"] <= 1
    load_model(tmp_path / "ddp" / "model" / "model.safetensors", tmp_path / "ddp" / "model" / "config.json")


def test_command_refuses_bad_input_with_status_2(manifest: TileManifest, tmp_path: Path) -> None:
    from inference.ml.train.cli import main

    negative = replace(manifest, tiles=[replace(tile, label=0) for tile in manifest.tiles])
    assert main(_train_command(_write_manifest(negative, tmp_path / "neg.json"), tmp_path / "out")) == 2
    assert not (tmp_path / "out").exists()  # nothing started


def test_detector_instances_from_polygons_and_coco_agree(manifest: TileManifest) -> None:
    from_polygons = instances_from_polygons(manifest.tiles, manifest.polygons or {})
    positive = next(tile for tile in manifest.tiles if tile.label)
    (rings,) = from_polygons[positive.key]
    coco = {"images": [{"id": 1, "mosaic": positive.mosaic, "x": positive.x, "y": positive.y, "size": positive.size,
                        "width": 32, "height": 32}],
            "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "iscrowd": 0, "segmentation": rings}]}  # fmt: skip
    dataset = DetectorTiles([positive], manifest.pyramids, 32, augment=False, instances=instances_from_coco(coco))
    _, target = dataset[0]
    assert target["masks"].shape == (1, 32, 32) and target["masks"][0, 8:24, 8:24].all()
    assert target["masks"].sum() == 16 * 16 and target["boxes"].tolist() == [[8.0, 8.0, 24.0, 24.0]]


def test_detector_trains_a_few_steps_on_cpu(manifest: TileManifest) -> None:
    config = default_config("detector", "maskrcnn_resnet18_fpn", tile_size=32)
    instances = instances_from_polygons(manifest.tiles, manifest.polygons or {})
    chosen = [tile for tile in manifest.tiles if tile.label][:2] + [tile for tile in manifest.tiles if not tile.label][
        :2
    ]
    tiles, targets = collate_detection([DetectorTiles(chosen, manifest.pyramids, 32, augment=False, instances=instances)[i]
                                        for i in range(4)])  # fmt: skip
    torch.manual_seed(0)
    model = create_model(config).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    losses = []
    for _ in range(5):
        loss = sum(model(list(prepare_batch(tiles, config)), targets).values())
        optimizer.zero_grad()
        loss.backward()  # type: ignore[union-attr]
        optimizer.step()
        losses.append(float(loss.detach()))  # type: ignore[union-attr]
    assert all(np.isfinite(losses)) and losses[-1] < losses[0]


def test_detector_training_run_end_to_end(tmp_path: Path) -> None:
    small = blocky_manifest(tmp_path, mosaics=3, cells=4, tile=32)  # 16 validation tiles: Mask R-CNN is slow on CPU
    config = default_config("detector", "maskrcnn_resnet18_fpn", tile_size=32)
    result = train(
        _spec(small, tmp_path / "run", config=config, epochs=1, batch_size=8, max_steps_per_epoch=2, lr=1e-3)
    )
    assert result.saved is not None and len(result.history) == 1
    load_model(result.saved.weights_path, result.saved.config_path)
    data = json.loads((tmp_path / "run" / "run.json").read_text())
    assert data["args"]["config"]["kind"] == "detector"
