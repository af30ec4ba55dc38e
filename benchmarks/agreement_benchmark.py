"""Agreement of two reads of a 12,000 x 12,000 mosaic, against rasterising the same regions alone.

What it measures (issue 8's goal: under 2 s and under 500 MB peak memory on the
project's machine, as a ratio to rasterising the same regions):

- **reference**: ``rasterio.features.rasterize`` of each read's regions into one
  whole-mosaic uint8 array (the naive way, one read after the other) and a
  ``count_nonzero`` of it;
- **agreement**: ``annotations.agreement.mosaic.mosaic_agreement`` of the two
  reads: the band sweep (pixel Dice/IoU overall and per label, tile κ), lesion
  matching, HD95 (everything of the per-mosaic row);
- for the breakdown, **pixel_sweep**: the reads' shapes prepared (unions per
  label) and ``tally_pair`` (the rasterising part of agreement); **hd95**: only
  ``boundary_distance`` on already prepared shapes.

Each case runs in a fresh child process (so its peak RSS, ``ru_maxrss``, is its
own), the cases alternate within each round, and each line reports the median
over rounds, as wall-clock seconds and as the process's CPU seconds (which a
machine shared with other work inflates far less: everything measured here runs
on one thread). Reads: ``--regions`` wobbly outlines of 200 vertices (radius 15-300
px, 4 labels) scattered at random; the second read keeps ~80 % of them, moved and
scaled a little, and adds ~10 % of its own.

    .venv/bin/python benchmarks/agreement_benchmark.py              # 12,000², 300 regions, 3 rounds
    .venv/bin/python benchmarks/agreement_benchmark.py --smoke      # seconds: a small mosaic, one round
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from benchmarks.synthetic_regions import wobbly_ring  # noqa: E402

LABELS = ["atypical_honeycomb", "atypical_cobblestone", "dendritic_cells", "roundish_cells"]
CASES = ("reference", "agreement", "pixel_sweep", "hd95")


def make_reads(size: int, regions: int, seed: int) -> tuple[list[Any], list[Any]]:
    rng = np.random.default_rng(seed)
    largest = max(20.0, min(300.0, size / 8))
    first, second = [], []
    for index in range(regions):
        cx, cy = rng.uniform(0, size), rng.uniform(0, size)
        radius = rng.uniform(15, largest)
        label = LABELS[index % len(LABELS)]
        cx, cy = min(max(cx, radius * 1.2), size - radius * 1.2), min(max(cy, radius * 1.2), size - radius * 1.2)
        first.append((label, {"type": "Polygon", "coordinates": [wobbly_ring(rng, cx, cy, radius, 200)]}))
        if rng.random() < 0.8:
            moved_x, moved_y = cx + rng.normal(0, radius * 0.1), cy + rng.normal(0, radius * 0.1)
            ring = wobbly_ring(rng, moved_x, moved_y, radius * rng.uniform(0.85, 1.1), 200)
            second.append((label, {"type": "Polygon", "coordinates": [ring]}))
    for _ in range(regions // 10):
        radius = rng.uniform(15, largest)
        cx, cy = rng.uniform(radius * 1.2, size - radius * 1.2, 2)
        second.append((LABELS[0], {"type": "Polygon", "coordinates": [wobbly_ring(rng, cx, cy, radius, 200)]}))
    return first, second


def run_case(case: str, size: int, regions: int, seed: int) -> dict[str, Any]:
    """In the child: build the reads, run ``case`` once, report time and memory."""
    import shapely
    from rasterio import features

    from annotations.agreement.distance import boundary_distance
    from annotations.agreement.mosaic import MosaicInfo, ReaderLabels, mosaic_agreement
    from annotations.agreement.pixels import tally_pair
    from annotations.agreement.raster import TileGrid, reader_shapes

    first, second = make_reads(size, regions, seed)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result: dict[str, Any] = {}
    start, cpu_start = time.perf_counter(), time.process_time()
    if case == "reference":
        for read in (first, second):
            mask = features.rasterize([shapely.geometry.shape(g) for _, g in read], out_shape=(size, size),
                                      dtype="uint8")  # fmt: skip
            result.setdefault("pixels", []).append(int(np.count_nonzero(mask)))
            del mask
    elif case == "agreement":
        mosaic = MosaicInfo(1, "bench", size, size, 0.5)
        row = mosaic_agreement(mosaic, ReaderLabels("a", first, "ak"), ReaderLabels("b", second, "ak"))
        result = {key: row[key] for key in ("dice", "iou", "tile_kappa", "lesion_f1", "hausdorff95_um", "pixels")}
    elif case == "pixel_sweep":
        tally = tally_pair(TileGrid(size, size, 224), reader_shapes(first), reader_shapes(second))
        result = {"pixels": [tally.overall.a, tally.overall.b, tally.overall.both]}
    else:
        shapes = reader_shapes(first), reader_shapes(second)
        start, cpu_start = time.perf_counter(), time.process_time()
        result = {"hd95_um": boundary_distance(shapes[0].any, shapes[1].any, um_per_px=0.5).hausdorff95_um}
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"case": case, "seconds": seconds, "cpu_seconds": cpu_seconds, "peak_mb": peak, "baseline_mb": baseline,
            "result": result}  # fmt: skip


def child(case: str, size: int, regions: int, seed: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", case, "--size", str(size), "--regions", str(regions),
               "--seed", str(seed)]  # fmt: skip
    output = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=12_000)
    parser.add_argument("--regions", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--smoke", action="store_true", help="a 1,500² mosaic, 30 regions, one round")
    parser.add_argument("--child", choices=CASES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_case(args.child, args.size, args.regions, args.seed)))
        return 0
    if args.smoke:
        args.size, args.regions, args.rounds = 1500, 30, 1
    runs: dict[str, list[dict[str, Any]]] = {case: [] for case in CASES}
    for _ in range(args.rounds):
        for case in CASES:
            runs[case].append(child(case, args.size, args.regions, args.seed))
    reference = statistics.median(run["seconds"] for run in runs["reference"])
    print(f"mosaic {args.size} x {args.size}, {args.regions} regions per read (+ the second read's own), "
          f"median of {args.rounds} round(s), each case in a fresh process; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")  # fmt: skip
    cpu_reference = statistics.median(run["cpu_seconds"] for run in runs["reference"])
    print(f"{'case':<14}{'seconds':>10}{'x reference':>13}{'CPU seconds':>13}{'x reference':>13}"
          f"{'peak RSS MB':>13}{'above start MB':>16}")  # fmt: skip
    for case in CASES:
        seconds = statistics.median(run["seconds"] for run in runs[case])
        cpu = statistics.median(run["cpu_seconds"] for run in runs[case])
        peak = statistics.median(run["peak_mb"] for run in runs[case])
        above = statistics.median(run["peak_mb"] - run["baseline_mb"] for run in runs[case])
        print(f"{case:<14}{seconds:>10.3f}{seconds / reference:>12.2f}x{cpu:>13.3f}{cpu / cpu_reference:>12.2f}x"
              f"{peak:>13.0f}{above:>16.0f}")  # fmt: skip
    row = runs["agreement"][-1]["result"]
    print("agreement row:", json.dumps(row))
    # Both ways of counting must agree on what is suspicious: a broken sweep fails the smoke run.
    if runs["reference"][-1]["result"]["pixels"] != [row["pixels"]["a"], row["pixels"]["b"]]:
        print("MISMATCH: agreement's pixel counts differ from the whole-mosaic rasterisation", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
