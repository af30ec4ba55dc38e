"""The network part: batches of uint8 tiles in, tile probabilities (and detector maps) out.

Runs under ``torch.inference_mode``, with autocast (float16) only on CUDA; the CPU
path is plain float32 and respects ``torch.set_num_threads``. What a detector's
instances mean for a tile: each pixel's probability is the highest
``score × mask probability`` over the instances covering it, and the tile's
probability is its highest instance score (0 without any).
"""

from collections.abc import Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from inference.ml.model_config import ModelConfig
from inference.ml.models import prepare_batch


@dataclass(frozen=True)
class BatchOutput:
    indices: np.ndarray  # (B,) flat grid indices of the tiles
    probability: np.ndarray  # (B,) float32: probability that each tile is suspicious
    maps: np.ndarray | None  # (B, tile_size, tile_size) float32 per-pixel probability (detectors only)


def autocast_for(device: torch.device) -> Any:
    """float16 autocast on CUDA; nothing elsewhere (CPU inference stays float32)."""
    return torch.autocast(device_type="cuda", dtype=torch.float16) if device.type == "cuda" else nullcontext()


def detector_maps(outputs: list[dict[str, torch.Tensor]], size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-tile (B, size, size) probability maps and (B,) probabilities from Mask R-CNN outputs."""
    maps, probabilities = [], []
    for output in outputs:
        scores = output["scores"].float()
        masks = output["masks"].float()  # (N, 1, H, W) mask probabilities pasted into the tile
        if len(scores):
            maps.append((masks[:, 0] * scores.view(-1, 1, 1)).amax(dim=0))
            probabilities.append(scores.max())
        else:
            maps.append(torch.zeros((size, size), device=scores.device))
            probabilities.append(torch.zeros((), device=scores.device))
    return torch.stack(maps), torch.stack(probabilities)


def run_network(
    model: nn.Module,
    config: ModelConfig,
    batches: Iterable[tuple[torch.Tensor, torch.Tensor]],
    device: torch.device,
) -> Iterator[BatchOutput]:
    """Yield one ``BatchOutput`` per ``(uint8 tiles, flat indices)`` batch, in order."""
    model.eval()
    with torch.inference_mode():
        for tiles, indices in batches:
            batch = prepare_batch(tiles.to(device, non_blocking=True), config)
            with autocast_for(device):
                output = model(batch)
            maps: np.ndarray | None = None
            if config.kind == "detector":
                tile_maps, probability = detector_maps(output, config.tile_size)
                maps = tile_maps.float().cpu().numpy()
            else:
                probability = torch.sigmoid(output.float().view(-1))
            yield BatchOutput(np.asarray(indices), probability.float().cpu().numpy(), maps)
