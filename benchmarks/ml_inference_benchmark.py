"""Sliding-window inference throughput against the bare model, and peak memory over a 12,000² mosaic.

    .venv/bin/python benchmarks/ml_inference_benchmark.py [--smoke] [--device cpu|cuda] [--arch resnet10t]
        [--tile-size 224] [--batch-size 16] [--workers 1] [--size 4096] [--memory-size 12000] [--repeats 3]

Throughput (goal ≥ 0.9×): tiles per second of ``predict_mosaic`` over a ``--size``²
synthetic pyramid (tiles read from the file, background skipped, outputs merged,
heatmap and polygons made) against the same model's bare forward on random uint8
tiles of the same batch (``prepare_batch`` + forward under ``inference_mode``),
same process, in ``--repeats`` rounds of one pass each, back to back in alternating
order; the ratio is computed per round and its median reported (the machine's load
moves between rounds, much less within one).

Peak memory: ``predict_mosaic`` over a ``--memory-size``² pyramid in a fresh child
process; its peak RSS (``ru_maxrss``) and the increase over its RSS just before the
call (model loaded, everything imported). For scale, one full-resolution float32
array of that mosaic would be ``size² × 4`` bytes.

``--smoke`` runs a tiny version in a few seconds (no goal checked).
"""

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from benchmarks.ml_common import add_model_arguments, machine, median_rate, synthetic_pyramid  # noqa: E402
from inference.ml.data.reader import PyramidReader  # noqa: E402
from inference.ml.model_config import ModelConfig  # noqa: E402
from inference.ml.models import create_model, default_config, prepare_batch  # noqa: E402
from inference.ml.predict.inferer import predict_mosaic  # noqa: E402
from inference.ml.predict.network import autocast_for  # noqa: E402


def _config(args: argparse.Namespace) -> ModelConfig:
    return default_config("classifier", args.arch, tile_size=args.tile_size)


def _bare(model: torch.nn.Module, config: ModelConfig, args: argparse.Namespace, n_tiles: int) -> int:
    device = torch.device(args.device)
    done = 0
    with torch.inference_mode():
        while done < n_tiles:
            count = min(args.batch_size, n_tiles - done)
            tiles = torch.randint(0, 256, (count, config.tile_size, config.tile_size), dtype=torch.uint8)
            with autocast_for(device):
                torch.sigmoid(model(prepare_batch(tiles.to(device), config)).float())
            done += count
    if device.type == "cuda":
        torch.cuda.synchronize()
    return done


def throughput(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    reader = PyramidReader(synthetic_pyramid(work / f"mosaic-{args.size}.tif", args.size))
    config = _config(args)
    model = create_model(config).to(args.device).eval()
    n_run = [0]

    def sliding() -> int:
        prediction = predict_mosaic(model, config, reader, device=args.device, batch_size=args.batch_size,
                                    num_workers=args.workers)  # fmt: skip
        n_run[0] = int((~prediction.skipped).sum())
        return n_run[0]

    sliding()  # warm-up: page cache, oneDNN / cuDNN kernels
    _bare(model, config, args, args.batch_size * 2)
    bare_rates: list[float] = []
    sliding_rates: list[float] = []
    for round_ in range(args.repeats):
        # One round = one bare pass and one sliding pass back to back, order alternated (ABBA), so load
        # that drifts during the run hits both sides of a round alike; the ratio is taken per round.
        passes = [("bare", lambda: _bare(model, config, args, n_run[0])), ("sliding", sliding)]
        for name, action in passes if round_ % 2 == 0 else passes[::-1]:
            (bare_rates if name == "bare" else sliding_rates).append(median_rate(action, 1)[0])
    ratios = [window / bare for bare, window in zip(bare_rates, sliding_rates, strict=True)]
    return {"tiles": n_run[0], "bare_tiles_per_s": statistics.median(bare_rates),
            "sliding_tiles_per_s": statistics.median(sliding_rates), "ratio": statistics.median(ratios),
            "ratios": ratios, "bare_runs": bare_rates, "sliding_runs": sliding_rates}  # fmt: skip


def _memory_child(args: argparse.Namespace, path: Path) -> dict[str, float]:
    reader = PyramidReader(path)
    config = _config(args)
    model = create_model(config).to(args.device).eval()
    _bare(model, config, args, args.batch_size)  # kernels and allocator warmed before the baseline
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    prediction = predict_mosaic(model, config, reader, device=args.device, batch_size=args.batch_size,
                                num_workers=args.workers)  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 if args.workers else 0.0
    return {"size": reader.width, "tiles": int((~prediction.skipped).sum()), "rss_before_mb": before,
            "peak_rss_mb": peak, "increase_mb": peak - before, "worker_peak_rss_mb": workers_peak,
            "full_float32_array_mb": reader.width * reader.height * 4 / 2**20}  # fmt: skip


def memory(args: argparse.Namespace, work: Path) -> dict[str, float]:
    path = synthetic_pyramid(work / f"mosaic-{args.memory_size}.tif", args.memory_size)
    if args.smoke:  # the same code path, in this process: a second interpreter start would dominate a smoke run
        return _memory_child(args, path)
    command = [sys.executable, __file__, "--memory-child", str(path), "--device", args.device, "--arch", args.arch,
               "--tile-size", str(args.tile_size), "--batch-size", str(args.batch_size), "--workers", str(args.workers)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_model_arguments(parser)
    parser.add_argument("--size", type=int, default=4096, help="side of the throughput mosaic")
    parser.add_argument("--memory-size", type=int, default=12000, help="side of the peak-memory mosaic")
    parser.add_argument("--memory-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        print(json.dumps(_memory_child(args, args.memory_child)))
        return
    if args.smoke:
        args.arch, args.tile_size, args.batch_size, args.size, args.memory_size, args.repeats = (
            "test_efficientnet",
            64,
            8,
            256,
            384,
            1,
        )
        args.workers = 0
    work = args.work or Path(tempfile.mkdtemp(prefix="ml-inference-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine(args.device)}")
    print(f"model: {args.arch}, {args.tile_size}-px tiles, batch {args.batch_size}, {args.workers} loader worker(s)")
    result = throughput(args, work)
    print(f"throughput over a {args.size}² mosaic ({result['tiles']} tissue tiles), median of {args.repeats}:")
    print("| run | tiles/s |\n|---|---|")
    print(f"| bare forward on random tensors (reference) | {result['bare_tiles_per_s']:.1f} |")
    print(f"| sliding window from the pyramid | {result['sliding_tiles_per_s']:.1f} |")
    print(f"ratio sliding / bare, median of the rounds' ratios: {result['ratio']:.2f} "
          f"(rounds: {[round(r, 2) for r in result['ratios']]}; bare {[round(r, 1) for r in result['bare_runs']]}, "
          f"sliding {[round(r, 1) for r in result['sliding_runs']]} tiles/s)")  # fmt: skip
    mem = memory(args, work)
    print(f"peak memory over a {mem['size']}² mosaic ({mem['tiles']} tiles): peak RSS {mem['peak_rss_mb']:.0f} MB, "
          f"+{mem['increase_mb']:.0f} MB over the loaded model ({mem['rss_before_mb']:.0f} MB); loader worker peak "
          f"{mem['worker_peak_rss_mb']:.0f} MB; one full-resolution float32 array would be "
          f"{mem['full_float32_array_mb']:.0f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
