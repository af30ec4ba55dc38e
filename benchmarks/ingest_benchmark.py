"""Ingest of a 12,000 x 12,000 mosaic against a bare libvips pyramid save, side by side.

    .venv/bin/python benchmarks/ingest_benchmark.py [--size 12000] [--repeats 3] [--work DIR] [--smoke]

The source is a synthetic RCM-like mosaic (annotations.demo.synthetic) saved as an
uncompressed striped 8-bit TIFF, the plainest export a center sends. Measured in
one run, interleaved, median of ``--repeats``:

- reference: ``pyvips.Image.new_from_file(src, access="sequential").tiffsave(out,
  tile=True, pyramid=True)`` (libvips defaults: no compression), and the same
  with the ingest's lossless compression and with JPEG Q90 for context;
- ingest: ``annotations.ingest.pipeline.ingest_source`` — content sniffing and
  header checks, SHA-256 of the original, conversion to the tiled pyramidal
  BigTIFF, thumbnail (no database: that is a few row updates); and the same with
  the Deep Zoom tiles pre-rendered (``RCM_TILE_PRERENDER``, on by default), with
  the disk they take;
- the lossless compressions this libvips build offers, with time and size, which
  chose ``annotations.ingest.pyramid.DEFAULT_COMPRESSION``.

Prints a Markdown table for benchmarks/README.md. No Django database is needed.
"""

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

import pyvips  # noqa: E402

from annotations.demo.synthetic import generate  # noqa: E402
from annotations.ingest.pipeline import ingest_source  # noqa: E402
from annotations.ingest.prerender import DZI_DIR_NAME  # noqa: E402
from annotations.ingest.pyramid import DEFAULT_COMPRESSION, LOSSLESS_CANDIDATES, Compression  # noqa: E402
from benchmarks import smoke  # noqa: E402


def timed(action: Callable[[], object], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


def bare_save(source: Path, out: Path, **options: object) -> Callable[[], None]:
    def run() -> None:
        pyvips.Image.new_from_file(str(source), access="sequential").tiffsave(
            str(out), tile=True, pyramid=True, **options
        )

    return run


def ingest(
    source: Path, out_dir: Path, compression: Compression = DEFAULT_COMPRESSION, dzi_quality: int | None = None
) -> Callable[[], None]:
    def run() -> None:
        shutil.rmtree(out_dir, ignore_errors=True)
        ingest_source(source, out_dir, max_pixels=400_000_000, default_um_per_px=0.5, compression=compression,
                      dzi_quality=dzi_quality)  # fmt: skip

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=12_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--work", type=Path, help="Working directory (default: a temporary one).")
    parser.add_argument("--source", type=Path, help="Benchmark this mosaic file instead of a synthetic one.")
    parser.add_argument("--no-candidates", action="store_true", help="Skip the table of lossless compressions.")
    args = smoke.parse_args(parser, {"size": 256, "repeats": 1})
    pyvips.cache_set_max(0)  # every save reads its source afresh
    work = args.work or Path(tempfile.mkdtemp(prefix="ingest-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    source = args.source or work / f"synthetic-{args.size}.tif"
    if not source.exists():
        started = time.perf_counter()
        pixels = generate(args.size, args.size, seed=12).pixels
        pyvips.Image.new_from_array(pixels).tiffsave(str(source), compression="none")
        del pixels
        print(f"made the {args.size}² source in {time.perf_counter() - started:.1f} s", file=sys.stderr)

    runs: dict[str, list[float]] = {name: [] for name in ("bare", "bare_same", "bare_jpeg", "ingest", "ingest_tiles")}
    actions = {
        "bare": bare_save(source, work / "bare.tiff"),
        "bare_same": bare_save(source, work / "bare-same.tiff", **DEFAULT_COMPRESSION.options()),
        "bare_jpeg": bare_save(source, work / "bare-jpeg.tiff", compression="jpeg", Q=90),
        "ingest": ingest(source, work / "ingest"),
        "ingest_tiles": ingest(source, work / "ingest-tiles", dzi_quality=90),
    }
    for _ in range(args.repeats):  # interleaved so drift hits all alike
        for name, action in actions.items():
            runs[name] += timed(action, 1)
    median = {name: statistics.median(times) for name, times in runs.items()}

    header = pyvips.Image.new_from_file(str(source))
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, libvips {pyvips.version(0)}.{pyvips.version(1)}."
          f"{pyvips.version(2)}; source {source.name}, {header.width} x {header.height} "
          f"({source.stat().st_size / 1e6:.0f} MB); median of {args.repeats}\n")  # fmt: skip
    print("| run | seconds | ratio to bare default |")
    print("|---|---|---|")
    labels = {
        "bare": "bare `tiffsave(tile=True, pyramid=True)` (no compression)",
        "bare_same": f"bare, same compression as ingest ({DEFAULT_COMPRESSION.describe()})",
        "bare_jpeg": "bare, JPEG Q90 (lossy, for context)",
        "ingest": f"**ingest** ({DEFAULT_COMPRESSION.describe()}, SHA-256, checks, thumbnail)",
        "ingest_tiles": "**ingest with pre-rendered tiles** (the default: + every Deep Zoom tile, JPEG Q90)",
    }
    for name, label in labels.items():
        print(f"| {label} | {median[name]:.2f} | {median[name] / median['bare']:.2f}x |")
    print(f"\ningest / bare with the same compression: {median['ingest'] / median['bare_same']:.2f}x")
    pyramid_mb = (work / "ingest" / "pyramid.tiff").stat().st_size / 1e6
    tiles = [path for path in (work / "ingest-tiles" / DZI_DIR_NAME).rglob("*") if path.is_file()]
    tiles_mb = sum(path.stat().st_size for path in tiles) / 1e6
    print(f"pre-rendered tiles: {len(tiles)} files, {tiles_mb:.0f} MB beside a {pyramid_mb:.0f} MB pyramid "
          f"(+{tiles_mb / pyramid_mb:.0%} disk)\n")  # fmt: skip
    if not args.no_candidates:
        print_candidates(source, work, args.repeats)
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


def print_candidates(source: Path, work: Path, repeats: int) -> None:
    """The lossless compressions this libvips build offers: time and size of a bare save."""
    print("| lossless compression | seconds (bare save) | size MB | size / source size |")
    print("|---|---|---|---|")
    for candidate in LOSSLESS_CANDIDATES:
        out = work / "candidate.tiff"
        seconds = statistics.median(timed(bare_save(source, out, **candidate.options()), repeats))
        size = out.stat().st_size
        print(f"| {candidate.describe()} | {seconds:.2f} | {size / 1e6:.0f} | {size / source.stat().st_size:.2f} |")


if __name__ == "__main__":
    main()
