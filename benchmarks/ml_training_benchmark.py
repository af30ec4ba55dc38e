"""Training steps per second on real tiles read from pyramids, against the same steps on random tensors.

    .venv/bin/python benchmarks/ml_training_benchmark.py [--smoke] [--device cpu|cuda] [--arch resnet10t]
        [--tile-size 224] [--batch-size 16] [--workers 1] [--steps 12] [--repeats 3]

Both sides run ``inference.ml.train.engine.train_one_epoch`` (``prepare_batch``,
forward, BCE loss with positive weighting, backward, AdamW step) for ``--steps``
batches: the reference over one random uint8 batch repeated (no data cost at all),
the measured side over a DataLoader of ``ManifestTiles`` (tiles read from four
synthetic pyramids through a manifest, shuffled, augmented, ``--workers`` worker
processes). Goal ≥ 0.9×. Rounds back to back in alternating order; the ratio is taken
per round and its median reported. ``--smoke`` runs a tiny version in a few seconds.
"""

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402

from benchmarks.ml_common import add_model_arguments, machine, median_rate, synthetic_pyramid  # noqa: E402
from inference.ml.data.datasets import ManifestTiles  # noqa: E402
from inference.ml.data.manifest import ManifestTile  # noqa: E402
from inference.ml.data.workers import worker_context  # noqa: E402
from inference.ml.models import create_model, default_config  # noqa: E402
from inference.ml.train.engine import train_one_epoch  # noqa: E402


def _manifest(work: Path, size: int, tile: int, mosaics: int = 4) -> tuple[list[ManifestTile], dict[str, Path]]:
    pyramids = {f"m{i}": synthetic_pyramid(work / f"train-{size}-{i}.tif", size, seed=i) for i in range(mosaics)}
    tissue_width = int(size * 0.85)  # synthetic_pyramid leaves the right 15 % black
    tiles = [ManifestTile(name, x, y, tile, 1.0, 0.0, int((x // tile + y // tile) % 10 == 0))
             for name in pyramids for y in range(0, size - tile + 1, tile) for x in range(0, tissue_width - tile + 1, tile)]  # fmt: skip
    return tiles, pyramids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_model_arguments(parser)
    parser.add_argument("--steps", type=int, default=12, help="training steps a run")
    parser.add_argument("--size", type=int, default=2048, help="side of each of the 4 synthetic mosaics")
    args = parser.parse_args()
    if args.smoke:
        args.arch, args.tile_size, args.batch_size, args.steps, args.repeats, args.size, args.workers = (
            "test_efficientnet",
            64,
            8,
            3,
            1,
            256,
            0,
        )
    work = args.work or Path(tempfile.mkdtemp(prefix="ml-training-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    device = torch.device(args.device)
    config = default_config("classifier", args.arch, tile_size=args.tile_size)
    tiles, pyramids = _manifest(work, args.size, args.tile_size)
    model = create_model(config).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    criterion = nn.BCEWithLogitsLoss(pos_weight=torch.tensor([9.0], device=device))
    scaler = torch.amp.GradScaler("cuda") if device.type == "cuda" else None
    dataset = ManifestTiles(tiles, pyramids, config.tile_size, augment=True)
    random_batch = (torch.randint(0, 256, (args.batch_size, config.tile_size, config.tile_size), dtype=torch.uint8),
                    (torch.rand(args.batch_size) < 0.1).float())  # fmt: skip

    def steps(loader: object) -> int:
        train_one_epoch(
            model, criterion, optimizer, loader, device, 0, config=config, scaler=scaler, max_steps=args.steps
        )
        if device.type == "cuda":
            torch.cuda.synchronize()
        return args.steps

    def real() -> int:
        loader = DataLoader(dataset, batch_size=args.batch_size, shuffle=True, num_workers=args.workers,
                            pin_memory=device.type == "cuda", drop_last=True,
                            multiprocessing_context=worker_context(args.workers))  # fmt: skip
        return steps(loader)

    def bare() -> int:
        return steps([random_batch] * args.steps)

    bare()  # warm-up
    real()
    rates: dict[str, list[float]] = {"bare": [], "real": []}
    for round_ in range(args.repeats):
        order = [("bare", bare), ("real", real)]
        for name, action in order if round_ % 2 == 0 else order[::-1]:
            rates[name].append(median_rate(action, 1)[0])
    ratios = [r / b for b, r in zip(rates["bare"], rates["real"], strict=True)]
    print(f"machine: {machine(args.device)}")
    print(f"model: {args.arch}, {args.tile_size}-px tiles, batch {args.batch_size}, {args.steps} steps a run, "
          f"{args.workers} loader worker(s); {len(tiles)} manifest tiles over {len(pyramids)} {args.size}² pyramids")  # fmt: skip
    print("| run | steps/s (median) |\n|---|---|")
    print(f"| random tensors, one batch repeated (reference) | {statistics.median(rates['bare']):.2f} |")
    print(
        f"| real tiles from the pyramids (manifest, augmentation, DataLoader) | {statistics.median(rates['real']):.2f} |"
    )
    print(f"ratio real / random, median of the rounds' ratios: {statistics.median(ratios):.2f} "
          f"(rounds: {[round(r, 2) for r in ratios]})")  # fmt: skip


if __name__ == "__main__":
    main()
