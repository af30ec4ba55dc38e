"""Synthetic RCM-like mosaics and their ground-truth suspicious regions.

What it imitates (en-face RCM of the epidermis, 8-bit grey, ~0.5 µm/px):
- the honeycomb of the granular/spinous layers (bright cell outlines, dark
  nuclei) blending into the cobblestone of the basal layer (bright cells);
- suspicious regions: cells of irregular size and disarranged outlines, with
  bright dendritic cells and roundish (pagetoid-like) bright cells; these regions
  are the ground truth, as polygons and as a mask;
- dark areas (follicles, furrows), speckle, and the vignetting of each 1000-px
  acquisition frame that stitched mosaics show.

Everything is vectorised numpy over horizontal bands (cells come from a jittered
grid: the nearest and second-nearest seeds among the 3 x 3 neighbouring grid
points give a Voronoi pattern without any search structure), so a 4000 x 4000
mosaic takes a few seconds on one core.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyvips
from PIL import Image, ImageDraw, ImageFilter

from annotations.vocabulary import FeatureLabel

CELL_SPACING = 26  # px: ~13 µm keratinocytes at 0.5 µm/px
FRAME = 1000  # px: one VivaScope frame


@dataclass
class SyntheticMosaic:
    pixels: np.ndarray  # (height, width) uint8
    mask: np.ndarray  # (height, width) bool: suspicious
    regions: list[dict[str, Any]] = field(default_factory=list)  # polygon (x, y) px and label

    @property
    def suspicious_fraction(self) -> float:
        return float(self.mask.mean())

    def geojson(self) -> dict[str, Any]:
        """The regions as GeoJSON, coordinates in pixels of the full-resolution mosaic (x right, y down)."""
        return {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {"type": "Polygon", "coordinates": [[*region["polygon"], region["polygon"][0]]]},
                    "properties": {"label": region["label"], "source": "synthetic ground truth"},
                }
                for region in self.regions
            ],
        }


def _smooth_field(rng: np.random.Generator, height: int, width: int, scale: int) -> np.ndarray:
    """Noise varying over ~``scale`` px, in [0, 1], as uint8-quantised float32 (Pillow resizes it fast)."""
    small = rng.integers(0, 256, (height // scale + 2, width // scale + 2), dtype=np.uint8)
    big = Image.fromarray(small).resize(
        ((width // scale + 2) * scale, (height // scale + 2) * scale), Image.Resampling.BICUBIC
    )
    return np.asarray(big)[:height, :width]


def _blob(rng: np.random.Generator, cx: float, cy: float, radius: float, points: int = 18) -> list[list[float]]:
    """An irregular star-shaped polygon around (cx, cy)."""
    angles = np.sort(rng.uniform(0, 2 * np.pi, points))
    radii = radius * rng.uniform(0.6, 1.15, points)
    radii = np.convolve(np.r_[radii[-2:], radii, radii[:2]], np.ones(5) / 5, mode="valid")  # smooth outline
    return [[round(cx + r * np.cos(a), 1), round(cy + r * np.sin(a), 1)] for a, r in zip(angles, radii, strict=True)]


def _regions(rng: np.random.Generator, width: int, height: int) -> list[dict[str, Any]]:
    count = max(1, int(rng.integers(1, 4) * (width * height) / 16e6 + 0.5))
    labels = [FeatureLabel.ATYPICAL_HONEYCOMB, FeatureLabel.ATYPICAL_COBBLESTONE, FeatureLabel.DENDRITIC_CELLS,
              FeatureLabel.ROUNDISH_CELLS]  # fmt: skip
    regions = []
    for _ in range(count):
        radius = rng.uniform(0.05, 0.12) * min(width, height)
        cx = rng.uniform(radius, width - radius)
        cy = rng.uniform(radius, height - radius)
        regions.append({"polygon": _blob(rng, cx, cy, radius), "label": str(labels[rng.integers(len(labels))])})
    return regions


def _cells(rng: np.random.Generator, size: int, *, atypical: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One frame's cells: per pixel the distance to the nearest seed, to the second nearest, and the cell's gain.

    Atypical frames are displaced by a smooth random field (irregular sizes and
    outlines, disarray) and vary more in brightness.
    """
    s = CELL_SPACING
    grid = size // s + 4
    seeds_x = (
        ((np.arange(grid)[None, :] - 1 + 0.5 + rng.uniform(-0.3, 0.3, (grid, grid))) * s).astype(np.float32).ravel()
    )
    seeds_y = (
        ((np.arange(grid)[:, None] - 1 + 0.5 + rng.uniform(-0.3, 0.3, (grid, grid))) * s).astype(np.float32).ravel()
    )
    gains = rng.normal(1.0, 0.3 if atypical else 0.08, grid * grid).astype(np.float32)
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    if atypical:
        x += (_smooth_field(rng, size, size, 2 * s).astype(np.float32) / 255 - 0.5) * 1.6 * s
        y += (_smooth_field(rng, size, size, 2 * s).astype(np.float32) / 255 - 0.5) * 1.6 * s
    base = (np.floor(y / s).astype(np.int32) + 1) * grid + np.floor(x / s).astype(np.int32) + 1
    np.clip(base, grid + 1, grid * grid - grid - 2, out=base)
    best = np.full((size, size), np.inf, np.float32)
    second = np.full((size, size), np.inf, np.float32)
    best_index = base.copy()
    for offset in (-grid - 1, -grid, -grid + 1, -1, 0, 1, grid - 1, grid, grid + 1):
        index = base + offset
        d = (x - seeds_x.take(index)) ** 2 + (y - seeds_y.take(index)) ** 2
        closer = d < best
        np.minimum(second, np.where(closer, best, d), out=second)
        np.minimum(best, d, out=best)
        best_index[closer] = index[closer]
    return np.sqrt(best), np.sqrt(second), gains.take(best_index)


def _bright_cells(rng: np.random.Generator, width: int, height: int, regions: list[dict[str, Any]]) -> np.ndarray:
    """Dendritic and roundish bright cells inside the suspicious regions, as a uint8 layer."""
    layer = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(layer)
    for region in regions:
        polygon = np.array(region["polygon"])
        left, top = polygon.min(axis=0)
        right, bottom = polygon.max(axis=0)
        area = (right - left) * (bottom - top)
        for _ in range(int(area / 70**2)):
            x, y = rng.uniform(left, right), rng.uniform(top, bottom)
            if not _inside(polygon, x, y):
                continue
            if rng.random() < 0.5:  # roundish / plump-bright cell
                r = rng.uniform(5, 9)
                draw.ellipse((x - r, y - r, x + r, y + r), fill=int(rng.integers(200, 256)))
            else:  # dendritic cell: a bright body with branching processes
                r = rng.uniform(3, 5)
                draw.ellipse((x - r, y - r, x + r, y + r), fill=250)
                for angle in rng.uniform(0, 2 * np.pi, int(rng.integers(3, 6))):
                    length = rng.uniform(15, 45)
                    end = (x + length * np.cos(angle), y + length * np.sin(angle))
                    draw.line((x, y, *end), fill=int(rng.integers(170, 230)), width=2)
    return np.asarray(layer.filter(ImageFilter.GaussianBlur(1.2)))  # uint8: a 12k² mosaic stays small


def _inside(polygon: np.ndarray, x: float, y: float) -> bool:
    xs, ys = polygon[:, 0], polygon[:, 1]
    crossings = ((ys > y) != (np.roll(ys, 1) > y)) & (
        x < (np.roll(xs, 1) - xs) * (y - ys) / (np.roll(ys, 1) - ys + 1e-9) + xs
    )
    return bool(crossings.sum() % 2)


def _texture(f1: np.ndarray, f2: np.ndarray, gain: np.ndarray, layer_mix: np.ndarray) -> np.ndarray:
    """Honeycomb (bright outlines, dark nuclei) blended into cobblestone (bright cells)."""
    s = float(CELL_SPACING)
    honeycomb = 55 + 150 * np.exp(-(f2 - f1) / 2.2) - 35 * np.exp(-((f1 / (0.22 * s)) ** 2))
    cobblestone = 40 + 150 * np.clip(1 - f1 / (0.55 * s), 0, 1) ** 0.7
    return ((1 - layer_mix) * honeycomb + layer_mix * cobblestone) * gain


def generate(width: int, height: int, *, seed: int = 0, variants: int = 4) -> SyntheticMosaic:
    """A synthetic RCM mosaic of ``width`` x ``height`` px and its suspicious regions.

    Each 1000-px frame is drawn from a few precomputed cell fields (flipped at
    random), which keeps large mosaics fast; everything else varies over the whole
    mosaic.
    """
    rng = np.random.default_rng(seed)
    regions = _regions(rng, width, height)
    mask_image = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(mask_image)
    for region in regions:
        draw.polygon([tuple(point) for point in region["polygon"]], fill=255)
    mask = np.asarray(mask_image) > 0

    size = min(FRAME, max(width, height))
    normal = [_cells(rng, size, atypical=False) for _ in range(variants)]
    atypical = [_cells(rng, size, atypical=True) for _ in range(max(1, variants // 2))] if regions else []
    bright = _bright_cells(rng, width, height, regions)
    layer_mix = _smooth_field(rng, height, width, 900)
    dark = _smooth_field(rng, height, width, 400)
    ramp = 1 - 0.9 * ((np.arange(size, dtype=np.float32) + 0.5) / size - 0.5) ** 2
    vignetting = ramp[:, None] * ramp[None, :]  # each acquisition frame is darker at its edges

    pixels = np.empty((height, width), np.uint8)
    for top in range(0, height, size):
        for left in range(0, width, size):
            rows, cols = slice(top, min(top + size, height)), slice(left, min(left + size, width))
            h, w = rows.stop - rows.start, cols.stop - cols.start
            mix = np.clip((layer_mix[rows, cols].astype(np.float32) / 255 - 0.35) * 3, 0, 1)
            flip = (slice(None, None, rng.choice([1, -1])), slice(None, None, rng.choice([1, -1])))
            f1, f2, gain = (a[flip][:h, :w] for a in normal[rng.integers(len(normal))])
            image = _texture(f1, f2, gain, mix)
            inside = mask[rows, cols]
            if inside.any():
                f1, f2, gain = (a[flip][:h, :w] for a in atypical[rng.integers(len(atypical))])
                image = np.where(inside, _texture(f1, f2, gain, mix), image)
            image = np.maximum(image, bright[rows, cols])
            darkness = np.clip((dark[rows, cols].astype(np.float32) / 255 - 0.78) * 8, 0, 1)
            image *= (1 - 0.8 * darkness) * vignetting[:h, :w]  # follicles and furrows; frame vignetting
            image *= 1 + 0.22 * rng.standard_normal((h, w), dtype=np.float32)  # speckle
            pixels[rows, cols] = np.clip(image, 0, 255)
    return SyntheticMosaic(pixels=pixels, mask=mask, regions=regions)


def write_files(mosaic: SyntheticMosaic, folder: Path, stem: str, *, um_per_px: float = 0.5) -> dict[str, Path]:
    """The mosaic as a TIFF (with its pixel size), its mask as a PNG and its regions as GeoJSON."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "image": folder / f"{stem}.tif",
        "mask": folder / f"{stem}.mask.png",
        "regions": folder / f"{stem}.regions.geojson",
    }
    pixels_per_mm = 1000.0 / um_per_px
    image = pyvips.Image.new_from_array(mosaic.pixels).copy(xres=pixels_per_mm, yres=pixels_per_mm)
    image.tiffsave(str(paths["image"]), resunit="cm", compression="none")
    Image.fromarray(mosaic.mask.astype(np.uint8) * 255).save(paths["mask"], optimize=False, compress_level=1)
    paths["regions"].write_text(json.dumps(mosaic.geojson()))
    return paths
