"""A training run: inputs checked first, then epochs with checkpoints, validation AUROC and early stopping.

``train(spec, on_epoch=...)`` is what the platform's training task and the ``torchrun``
entry (``python -m inference.ml.train``) both call. In order:

1. ``check_training_inputs`` refuses bad input before any work, with a message a
   person can act on (``TrainingInputError``): a manifest with no positive tiles, an
   unknown architecture, a missing pyramid, tiles not at the model's size or scale,
   an empty split or a validation split with one class, pretrained weights that are
   not a local safetensors file of the right shapes, a checkpoint in the output
   folder from a different run.
2. Class balance: classifiers weigh positive tiles by ``n_negative / n_positive`` in
   the loss (``BCEWithLogitsLoss(pos_weight)``: exact, and shards under DDP like any
   dataset); detectors repeat positive tiles in the epoch (at most
   ``max_positive_repeat`` times), as Mask R-CNN's loss has no per-tile weight.
3. Each epoch: train, evaluate on the validation tiles (gathered over ranks), step the
   scheduler, update early stopping on validation AUROC, save the best model
   (``model/model.safetensors`` + ``model/config.json``, what ``register_model``
   reads), write ``checkpoint.pt`` atomically, then report the epoch to ``on_epoch``.
4. ``run.json``: arguments, seed, label-set version, library versions, code revision,
   history, best epoch and the model files' SHA-256.

**Resume guarantee.** Started again with the same arguments on the same output folder,
a run continues after the last completed epoch from ``checkpoint.pt`` (model,
optimizer, scheduler, AMP scaler, RNG states, early-stopping state, history). Every
epoch's randomness — shuffling (``DistributedSampler`` seeded by seed and epoch),
DataLoader worker seeds and augmentation (a generator seeded by seed, epoch and rank),
dropout (torch's RNG reseeded the same way) — is a function of (seed, epoch, rank), so
an interrupted and resumed run ends with *the same weights* as an uninterrupted one,
bit for bit, on the same machine, world size and thread count (tested on CPU). Work
of a partly done epoch is redone.
"""

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, Dataset, DistributedSampler, Subset

from inference.ml.data.datasets import DetectorTiles, ManifestTiles, collate_detection
from inference.ml.data.instances import TileKey, instances_from_coco, instances_from_polygons
from inference.ml.data.manifest import ManifestError, TileManifest, split_by_patient
from inference.ml.data.reader import PyramidError, PyramidReader
from inference.ml.data.workers import worker_context
from inference.ml.metrics.measures import MetricUndefined, auroc
from inference.ml.model_config import ModelConfig, ModelLoadError
from inference.ml.model_files import SavedModel, check_state_dict, read_weights, save_model, saved_model_in
from inference.ml.models import check_arch, create_model
from inference.ml.train import distributed
from inference.ml.train.checkpoint import (
    CHECKPOINT_NAME,
    load_checkpoint,
    restore_rng_state,
    rng_state,
    save_checkpoint,
)
from inference.ml.train.engine import evaluate, train_one_epoch
from inference.ml.train.provenance import environment

MODEL_DIRNAME = "model"
RUN_RECORD_NAME = "run.json"
SCALE_TOLERANCE = 0.05  # a tile's µm/px may differ from the model's by 5 %


class TrainingInputError(ValueError):
    """Training refused before any work; the message says what to fix."""


@dataclass(frozen=True)
class TrainingSpec:
    manifest: TileManifest
    config: ModelConfig
    output_dir: Path
    epochs: int = 20
    batch_size: int = 32
    lr: float = 3e-4
    weight_decay: float = 0.05
    num_workers: int = 2
    seed: int = 0
    patience: int = 5  # epochs without a better validation AUROC before stopping
    min_delta: float = 0.0
    val_fraction: float = 0.2
    pretrained_weights: Path | None = None
    label_set_version: str | None = None
    device: str = "auto"
    max_steps_per_epoch: int | None = None
    max_positive_repeat: int = 10

    def args(self) -> dict[str, Any]:
        """What defines the run (a checkpoint from other args is refused on resume)."""
        tiles = json.dumps([asdict(tile) for tile in self.manifest.tiles], sort_keys=True).encode()
        return {
            "config": self.config.to_json(), "manifest_sha256": hashlib.sha256(tiles).hexdigest(),
            "n_manifest_tiles": len(self.manifest.tiles), "epochs": self.epochs, "batch_size": self.batch_size,
            "lr": self.lr, "weight_decay": self.weight_decay, "seed": self.seed, "patience": self.patience,
            "min_delta": self.min_delta, "val_fraction": self.val_fraction,
            "pretrained_weights": str(self.pretrained_weights) if self.pretrained_weights else None,
            "label_set_version": self.label_set_version, "max_steps_per_epoch": self.max_steps_per_epoch,
            "max_positive_repeat": self.max_positive_repeat,
        }  # fmt: skip


@dataclass(frozen=True)
class EpochRecord:
    epoch: int
    train_loss: float
    val_loss: float | None
    val_auroc: float
    lr: float
    seconds: float
    improved: bool


@dataclass
class EarlyStopping:
    patience: int
    min_delta: float = 0.0
    best_auroc: float = -1.0
    best_epoch: int = -1
    bad_epochs: int = 0

    def update(self, epoch: int, value: float) -> bool:
        """Record ``value``; True when it is the best so far."""
        if value > self.best_auroc + self.min_delta:
            self.best_auroc, self.best_epoch, self.bad_epochs = value, epoch, 0
            return True
        self.bad_epochs += 1
        return False

    @property
    def should_stop(self) -> bool:
        return self.bad_epochs >= self.patience


@dataclass
class TrainingResult:
    output_dir: Path
    history: list[EpochRecord]
    best_epoch: int
    best_val_auroc: float
    stopped_early: bool
    saved: SavedModel | None = None  # on rank 0
    resumed_from_epoch: int | None = None


@dataclass(frozen=True)
class Prepared:
    train: TileManifest
    val: TileManifest
    instances: dict[TileKey, list[Any]]
    pretrained: dict[str, torch.Tensor] | None


def check_training_inputs(spec: TrainingSpec) -> Prepared:
    """Everything that can be refused, refused now (``TrainingInputError``), before any epoch starts."""
    config, manifest = spec.config, spec.manifest
    try:
        check_arch(config.kind, config.arch)
    except ModelLoadError as error:
        raise TrainingInputError(str(error).replace("config: ", "", 1)) from error
    if not manifest.tiles:
        raise TrainingInputError("the manifest has no tiles")
    if not manifest.labels.any():
        raise TrainingInputError(f"the manifest has no positive tiles (all {len(manifest.tiles)} are labelled 0)")
    _check_pyramids(manifest, config)
    try:
        train, val = split_by_patient(manifest, val_fraction=spec.val_fraction, seed=spec.seed)
    except ManifestError as error:
        raise TrainingInputError(str(error)) from error
    for name, side in (("training", train), ("validation", val)):
        if not side.tiles:
            raise TrainingInputError(f"the {name} split is empty")
        if side.labels.all() or not side.labels.any():
            raise TrainingInputError(f"the {name} split has only {'positive' if side.labels.any() else 'negative'} "
                                     f"tiles ({len(side.tiles)}); validation AUROC needs both")  # fmt: skip
    instances: dict[TileKey, list[Any]] = {}
    if config.kind == "detector":
        if manifest.instances is not None:
            instances = instances_from_coco(manifest.instances)
        elif manifest.polygons is not None:
            instances = instances_from_polygons(manifest.tiles, manifest.polygons)
        else:
            raise TrainingInputError(
                "a detector needs instances: a COCO 'instances' dict or 'polygons' in the manifest"
            )
        if not any(instances.get(tile.key) for tile in train.tiles):
            raise TrainingInputError("no training tile has an instance to detect")
    return Prepared(train, val, instances, _pretrained(spec))


def _check_pyramids(manifest: TileManifest, config: ModelConfig) -> None:
    scales: dict[str, float] = {}  # mosaic → µm per level-0 px, each pyramid opened once
    for number, tile in enumerate(manifest.tiles):
        if tile.mosaic not in scales:
            path = manifest.pyramids.get(tile.mosaic)
            if path is None:
                raise TrainingInputError(f"mosaic {tile.mosaic!r} has tiles but no pyramid path in the manifest")
            try:
                scales[tile.mosaic] = PyramidReader(path).um_per_px
            except (PyramidError, OSError) as error:
                raise TrainingInputError(f"mosaic {tile.mosaic!r}: {error}") from error
        if abs(tile.size / tile.scale - config.tile_size) > 1:
            raise TrainingInputError(f"tile row {number}: size / scale = {tile.size / tile.scale:g} px, but the "
                                     f"model takes {config.tile_size}-px tiles")  # fmt: skip
        tile_um = scales[tile.mosaic] * tile.scale
        if abs(tile_um / config.um_per_px - 1) > SCALE_TOLERANCE:
            raise TrainingInputError(f"tile row {number}: cut at {tile_um:g} µm/px, but the model works at "
                                     f"{config.um_per_px:g} µm/px")  # fmt: skip


def _pretrained(spec: TrainingSpec) -> dict[str, torch.Tensor] | None:
    if spec.pretrained_weights is None:
        return None
    try:
        state = read_weights(Path(spec.pretrained_weights))
        check_state_dict(create_model(spec.config), state, source=f"--pretrained-weights {spec.pretrained_weights}")
    except ModelLoadError as error:
        raise TrainingInputError(str(error)) from error
    return state


def _datasets(spec: TrainingSpec, prepared: Prepared) -> tuple[Dataset[Any], Dataset[Any]]:
    config, pyramids = spec.config, spec.manifest.pyramids
    if config.kind == "classifier":
        return (ManifestTiles(prepared.train.tiles, pyramids, config.tile_size, augment=True),
                ManifestTiles(prepared.val.tiles, pyramids, config.tile_size, augment=False))  # fmt: skip
    train = DetectorTiles(prepared.train.tiles, pyramids, config.tile_size, augment=True, instances=prepared.instances)
    labels = prepared.train.labels
    repeat = int(min(spec.max_positive_repeat, max(1, round((labels == 0).sum() / max(1, labels.sum())))))
    balanced = np.concatenate([np.arange(len(labels))] + [np.flatnonzero(labels)] * (repeat - 1))
    val = DetectorTiles(prepared.val.tiles, pyramids, config.tile_size, augment=False, instances=prepared.instances)
    return Subset(train, balanced.tolist()), val


def _epoch_seed(seed: int, epoch: int, rank: int) -> int:
    return (seed * 1_000_003 + epoch * 7_919 + rank) % (2**63)


def _loader(
    dataset: Dataset[Any], sampler: DistributedSampler[Any], spec: TrainingSpec, seed: int, device: torch.device
) -> DataLoader[Any]:
    return DataLoader(
        dataset, batch_size=spec.batch_size, sampler=sampler, num_workers=spec.num_workers,
        generator=torch.Generator().manual_seed(seed), pin_memory=device.type == "cuda",
        multiprocessing_context=worker_context(spec.num_workers),
        collate_fn=collate_detection if spec.config.kind == "detector" else None,
    )  # fmt: skip


def _check_resume(checkpoint: dict[str, Any], spec: TrainingSpec, path: Path) -> None:
    saved, now = checkpoint["args"], spec.args()
    different = sorted(key for key in set(saved) | set(now) if saved.get(key) != now.get(key))
    if different:
        raise TrainingInputError(f"{path} is a checkpoint of a different run ({', '.join(different)} differ); "
                                 f"use another output folder or remove it")  # fmt: skip


def train(
    spec: TrainingSpec,
    *,
    on_epoch: Callable[[EpochRecord], None] | None = None,
) -> TrainingResult:
    """Run (or resume) the training ``spec`` describes; see the module docstring for the guarantees."""
    context = distributed.start(spec.device)
    try:
        return _train(spec, context, on_epoch)
    finally:
        distributed.stop(context)


def _train(
    spec: TrainingSpec, context: distributed.Context, on_epoch: Callable[[EpochRecord], None] | None
) -> TrainingResult:
    prepared = check_training_inputs(spec)
    output_dir = Path(spec.output_dir)
    checkpoint_path = output_dir / CHECKPOINT_NAME
    checkpoint = load_checkpoint(checkpoint_path) if checkpoint_path.exists() else None
    if checkpoint is not None:
        _check_resume(checkpoint, spec, checkpoint_path)
    device, config = context.device, spec.config

    torch.manual_seed(spec.seed)
    model = create_model(config)
    if prepared.pretrained is not None:
        model.load_state_dict(prepared.pretrained)
    model.to(device)
    trained: nn.Module = model
    if context.distributed:
        trained = DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None,
            find_unused_parameters=config.kind == "detector",  # a tile without instances leaves the mask head idle
        )  # fmt: skip
    optimizer = torch.optim.AdamW(model.parameters(), lr=spec.lr, weight_decay=spec.weight_decay)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, spec.epochs))
    scaler = torch.amp.GradScaler("cuda") if device.type == "cuda" else None
    labels = prepared.train.labels
    pos_weight = torch.tensor([(labels == 0).sum() / max(1, labels.sum())], dtype=torch.float32, device=device)
    criterion = nn.BCEWithLogitsLoss(pos_weight=pos_weight) if config.kind == "classifier" else None

    train_set, val_set = _datasets(spec, prepared)
    replicas, rank = context.world_size, context.rank
    train_sampler: DistributedSampler[Any] = DistributedSampler(train_set, replicas, rank, shuffle=True, seed=spec.seed)
    val_sampler: DistributedSampler[Any] = DistributedSampler(val_set, replicas, rank, shuffle=False)
    val_labels = prepared.val.labels

    stopping = EarlyStopping(spec.patience, spec.min_delta)
    history: list[EpochRecord] = []
    start_epoch, resumed_from = 0, None
    if checkpoint is not None:
        stopping, history = _restore(checkpoint, model, optimizer, scheduler, scaler)
        start_epoch = resumed_from = checkpoint["epoch"] + 1

    saved = None
    model_dir = output_dir / MODEL_DIRNAME
    for epoch in range(start_epoch, spec.epochs):
        if stopping.should_stop:
            break
        started = time.monotonic()
        seed = _epoch_seed(spec.seed, epoch, context.rank)
        torch.manual_seed(seed)
        train_sampler.set_epoch(epoch)
        loss = train_one_epoch(
            trained, criterion, optimizer, _loader(train_set, train_sampler, spec, seed, device), device, epoch,
            config=config, scaler=scaler, max_steps=spec.max_steps_per_epoch,
        )  # fmt: skip
        probabilities, val_loss = evaluate(model, _loader(val_set, val_sampler, spec, seed, device), device,
                                           config=config, criterion=criterion)  # fmt: skip
        val_auroc, train_loss = _gather_validation(context, val_sampler, probabilities, val_labels, loss)
        lr = optimizer.param_groups[0]["lr"]
        scheduler.step()
        improved = stopping.update(epoch, val_auroc)
        record = EpochRecord(epoch, train_loss, val_loss, val_auroc, lr, time.monotonic() - started, improved)
        history.append(record)
        if context.is_main:
            if improved:
                saved = save_model(model, config, model_dir)
            # The dict ``_restore`` reads back (torchvision references' keys, and ours).
            save_checkpoint({
                "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "lr_scheduler": scheduler.state_dict(), "scaler": scaler.state_dict() if scaler else None,
                "epoch": epoch, "args": spec.args(), "rng": rng_state(), "early_stopping": asdict(stopping),
                "history": [asdict(item) for item in history],
            }, checkpoint_path)  # fmt: skip
        distributed.barrier(context)
        if on_epoch is not None and context.is_main:
            on_epoch(record)

    result = TrainingResult(output_dir, history, stopping.best_epoch, stopping.best_auroc,
                            stopping.should_stop, saved, resumed_from)  # fmt: skip
    if context.is_main:
        result.saved = saved or saved_model_in(model_dir)
        _write_run_record(result, spec, context)
    return result


def _restore(
    checkpoint: dict[str, Any],
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    scaler: torch.amp.GradScaler | None,
) -> tuple[EarlyStopping, list[EpochRecord]]:
    """Put a run back where ``checkpoint`` left it; the early-stopping state and history to go on with."""
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    scheduler.load_state_dict(checkpoint["lr_scheduler"])
    if scaler is not None and checkpoint.get("scaler"):
        scaler.load_state_dict(checkpoint["scaler"])
    restore_rng_state(checkpoint["rng"])
    return EarlyStopping(**checkpoint["early_stopping"]), [EpochRecord(**item) for item in checkpoint["history"]]


def _gather_validation(
    context: distributed.Context,
    sampler: DistributedSampler[Any],
    probabilities: np.ndarray,
    labels: np.ndarray,
    train_loss: float,
) -> tuple[float, float]:
    """(validation AUROC over all validation tiles, mean training loss over ranks), the same on every rank."""
    indices = np.fromiter(iter(sampler), dtype=np.int64)  # this rank's tiles, in loader order (padded)
    parts = distributed.gather(context, (indices, probabilities, train_loss))
    merged = np.full(len(labels), np.nan)
    for part_indices, part_probabilities, _ in parts:
        merged[part_indices] = part_probabilities
    try:
        value = auroc(labels, merged, what="validation AUROC")
    except MetricUndefined as error:  # cannot happen after check_training_inputs; kept loud
        raise TrainingInputError(str(error)) from error
    return value, float(np.mean([loss for _, _, loss in parts]))


def _write_run_record(result: TrainingResult, spec: TrainingSpec, context: distributed.Context) -> None:
    record = {
        "args": spec.args(), "seed": spec.seed, "label_set_version": spec.label_set_version,
        "world_size": context.world_size, "environment": environment(),
        "history": [asdict(item) for item in result.history], "best_epoch": result.best_epoch,
        "best_val_auroc": result.best_val_auroc, "stopped_early": result.stopped_early,
        "resumed_from_epoch": result.resumed_from_epoch,
        "model": None if result.saved is None else {
            "weights": str(result.saved.weights_path), "weights_sha256": result.saved.weights_sha256,
            "config": str(result.saved.config_path), "config_sha256": result.saved.config_sha256,
        },
    }  # fmt: skip
    path = Path(spec.output_dir) / RUN_RECORD_NAME
    path.write_text(json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8")
