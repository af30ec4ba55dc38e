"""One epoch of training and one pass of evaluation (torchvision references' shape).

``train_one_epoch(model, criterion, optimizer, loader, device, epoch)`` and
``evaluate(model, loader, device)`` work for both kinds: a classifier's loss is
``criterion(logits, labels)``; a detector (Mask R-CNN) computes its own losses from
its targets in train mode, summed, and ``criterion`` is unused. Tiles arrive as uint8
and go through ``models.prepare_batch``, the same preprocessing inference uses.
"""

import math
from typing import Any

import numpy as np
import torch
from torch import nn

from inference.ml.model_config import ModelConfig
from inference.ml.models import prepare_batch
from inference.ml.predict.network import autocast_for, detector_maps


class NonFiniteLoss(RuntimeError):
    """The loss became NaN or infinite: training diverged (lower the learning rate)."""


def _to_device(targets: Any, device: torch.device) -> Any:
    if isinstance(targets, torch.Tensor):
        return targets.to(device, non_blocking=True)
    return [{key: value.to(device, non_blocking=True) for key, value in target.items()} for target in targets]


def _loss(
    model: nn.Module, criterion: nn.Module | None, batch: torch.Tensor, targets: Any, config: ModelConfig
) -> torch.Tensor:
    if config.kind == "detector":
        return torch.stack(list(model(list(batch), targets).values())).sum()
    assert criterion is not None, "a classifier needs a criterion"
    return criterion(model(batch).view(-1).float(), targets.float())


def train_one_epoch(
    model: nn.Module,
    criterion: nn.Module | None,
    optimizer: torch.optim.Optimizer,
    loader: Any,
    device: torch.device,
    epoch: int,
    *,
    config: ModelConfig,
    scaler: torch.amp.GradScaler | None = None,
    max_steps: int | None = None,
) -> float:
    """Train for one pass over ``loader`` (or ``max_steps`` batches); the mean loss per tile."""
    model.train()
    total, count = 0.0, 0
    for step, (tiles, targets) in enumerate(loader):
        if max_steps is not None and step >= max_steps:
            break
        batch = prepare_batch(tiles.to(device, non_blocking=True), config)
        with autocast_for(device):
            loss = _loss(model, criterion, batch, _to_device(targets, device), config)
        if not math.isfinite(loss.item()):
            raise NonFiniteLoss(f"epoch {epoch}, step {step}: loss is {loss.item()}")
        optimizer.zero_grad(set_to_none=True)
        if scaler is not None:
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
        else:
            loss.backward()
            optimizer.step()
        total += loss.item() * len(tiles)
        count += len(tiles)
    return total / max(count, 1)


def evaluate(
    model: nn.Module,
    loader: Any,
    device: torch.device,
    *,
    config: ModelConfig,
    criterion: nn.Module | None = None,
) -> tuple[np.ndarray, float | None]:
    """(tile probabilities in loader order, mean loss or None): classifier sigmoid, detector best instance score."""
    model.eval()
    probabilities, total, count = [], 0.0, 0
    with torch.inference_mode():
        for tiles, targets in loader:
            batch = prepare_batch(tiles.to(device, non_blocking=True), config)
            with autocast_for(device):
                output = model(batch)
            if config.kind == "detector":
                probabilities.append(detector_maps(output, config.tile_size)[1].float().cpu())
                continue
            logits = output.view(-1).float()
            probabilities.append(torch.sigmoid(logits).cpu())
            if criterion is not None:
                total += criterion(logits, targets.to(device).float()).item() * len(tiles)
                count += len(tiles)
    merged = torch.cat(probabilities).numpy() if probabilities else np.zeros(0, dtype=np.float32)
    return merged, (total / count if count else None)
