"""Shared parts of the ML benchmarks: a synthetic pyramid written lazily by libvips, timing, the machine."""

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import pyvips
import torch

from annotations.ingest.pyramid import write_pyramid


def synthetic_pyramid(path: Path, size: int, *, border: float = 0.15, seed: int = 0) -> Path:
    """A ``size``² speckled grey mosaic with a black band (unscanned area) on the right, as the ingest writes it.

    Built from libvips' lazy operations, so a 12,000² mosaic never exists in this process's memory.
    """
    if path.exists():
        return path
    tissue = pyvips.Image.gaussnoise(size, size, mean=90, sigma=30, seed=seed)
    edge = int(size * (1 - border))
    black = pyvips.Image.black(size - edge, size)
    image = tissue.crop(0, 0, edge, size).join(black, "horizontal").cast("uchar")
    write_pyramid(image, path, thumbnail=path.with_suffix(".png"), um_per_px=0.5)
    return path


def median_rate(action: Callable[[], int], repeats: int) -> tuple[float, list[float]]:
    """Items per second of ``action`` (which returns how many items it did): the median of ``repeats``."""
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        items = action()
        rates.append(items / (time.perf_counter() - start))
    return statistics.median(rates), rates


def machine(device: str) -> str:
    where = (
        torch.cuda.get_device_name(0)
        if device.startswith("cuda")
        else f"{os.cpu_count()}-core {platform.machine()} CPU"
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{where}, torch {torch.__version__}, {torch.get_num_threads()} torch threads, "
            f"load average {load:.1f} at start")  # fmt: skip


def add_model_arguments(parser: argparse.ArgumentParser, *, workers: int = 1) -> None:
    """The options both ML benchmarks share: what runs, where, how often."""
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, a few seconds (no goal checked)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--arch", default="resnet10t", help="timm architecture")
    parser.add_argument("--tile-size", type=int, default=224)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--workers", type=int, default=workers, help="DataLoader worker processes")
    parser.add_argument("--repeats", type=int, default=3, help="rounds; the ratio is the median of the rounds'")
    parser.add_argument("--work", type=Path, help="folder for the synthetic pyramids (kept between runs)")
