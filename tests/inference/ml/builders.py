"""Small real inputs for the ML tests: pyramids written by the ingest's own writer, and known-answer models."""

from pathlib import Path

import numpy as np
import pyvips
import torch
from torch import nn

from annotations.ingest.pyramid import write_pyramid
from inference.ml.data.manifest import ManifestTile, TileManifest
from inference.ml.model_config import ModelConfig
from inference.ml.models import default_config


def pyramid_file(directory: Path, pixels: np.ndarray, *, um_per_px: float = 0.5, name: str = "mosaic") -> Path:
    """``pixels`` (H, W) uint8 written as the platform's tiled pyramidal BigTIFF."""
    path = directory / f"{name}.tif"
    image = pyvips.Image.new_from_array(np.ascontiguousarray(pixels, dtype=np.uint8))
    write_pyramid(image, path, thumbnail=directory / f"{name}.png", um_per_px=um_per_px)
    return path


def textured(rng: np.random.Generator, height: int, width: int, level: int, spread: int = 20) -> np.ndarray:
    """Speckled tissue-like pixels around ``level``."""
    return np.clip(rng.normal(level, spread, (height, width)), 0, 255).astype(np.uint8)


class MeanBrightness(nn.Module):
    """A classifier whose probability is the tile's mean pixel / 255: a known answer for every tile."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.register_buffer("mean", torch.tensor(config.mean).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(config.std).view(1, -1, 1, 1))

    def forward(self, batch: torch.Tensor) -> torch.Tensor:
        brightness = (batch * self.std + self.mean).mean(dim=(1, 2, 3)).clamp(1e-6, 1 - 1e-6)
        return torch.logit(brightness).view(-1, 1)


def tiny_classifier_config(tile_size: int = 32, arch: str = "resnet10t", **changes: object) -> ModelConfig:
    config = default_config("classifier", arch, tile_size=tile_size)
    return ModelConfig(**{**config.__dict__, **changes})  # type: ignore[arg-type]


def blocky_manifest(directory: Path, *, mosaics: int = 3, cells: int = 8, tile: int = 32, seed: int = 0,
                    val_mosaics: int = 1) -> TileManifest:  # fmt: skip
    """Mosaics of ``cells`` × ``cells`` tiles, a few bright textured (label 1) among dim ones (label 0).

    The last ``val_mosaics`` mosaics are the validation split; every mosaic has positives.
    Polygons (level-0) of the positive cells are included for detectors.
    """
    rng = np.random.default_rng(seed)
    tiles, pyramids, patients, splits, polygons = [], {}, {}, {}, {}
    for m in range(mosaics):
        name = f"m{m}"
        pixels = textured(rng, cells * tile, cells * tile, 60)
        labels = np.zeros((cells, cells), dtype=int)
        for k in rng.choice(cells * cells, size=max(2, cells * cells // 8), replace=False):
            r, c = divmod(int(k), cells)
            labels[r, c] = 1
            pixels[r * tile : (r + 1) * tile, c * tile : (c + 1) * tile] = textured(rng, tile, tile, 160)
        pyramids[name] = pyramid_file(directory, pixels, name=name)
        patients[name], splits[name] = f"p{m}", "val" if m >= mosaics - val_mosaics else "train"
        polygons[name] = []
        for r in range(cells):
            for c in range(cells):
                tiles.append(ManifestTile(name, c * tile, r * tile, tile, 1.0, float(labels[r, c]), int(labels[r, c])))
                if labels[r, c]:
                    x0, y0, inset = c * tile, r * tile, tile // 4
                    polygons[name].append([[x0 + inset, y0 + inset], [x0 + tile - inset, y0 + inset],
                                           [x0 + tile - inset, y0 + tile - inset], [x0 + inset, y0 + tile - inset]])  # fmt: skip
    return TileManifest(tiles, pyramids, patients, splits, polygons=polygons)
