"""The training command line: thin argparse over ``training.train`` (torchvision references' ``main(args)``).

    torchrun --nproc_per_node 4 -m inference.ml.train --manifest tiles.json \\
        --kind classifier --arch swin_base_patch4_window7_224 --tile-size 224 --output runs/swin-1

Exit status 0 on success, 2 when the input is refused (the reason on stderr, nothing
trained). The last line printed is the saved model's folder.
"""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import torch

from inference.ml.data.manifest import ManifestError, read_manifest
from inference.ml.model_config import ModelLoadError
from inference.ml.models import default_config
from inference.ml.train.training import EpochRecord, TrainingInputError, TrainingSpec, train


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m inference.ml.train", description=__doc__.split("\n")[0])
    p.add_argument("--manifest", type=Path, required=True, help="tile manifest JSON (see inference.ml.data.manifest)")
    p.add_argument("--output", type=Path, required=True, help="run folder: checkpoint, model/, run.json; resumes")
    p.add_argument("--kind", choices=("classifier", "detector"), default="classifier")
    p.add_argument(
        "--arch", default="efficientnet_b0", help="timm name, or maskrcnn_resnet50_fpn / maskrcnn_resnet18_fpn"
    )
    p.add_argument("--tile-size", type=int, default=224)
    p.add_argument("--um-per-px", type=float, default=0.5, help="the scale tiles are cut at")
    p.add_argument("--threshold", type=float, default=0.5, help="operating threshold written to config.json")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=32, help="per process")
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--weight-decay", type=float, default=0.05)
    p.add_argument("--workers", type=int, default=2, help="DataLoader workers per process")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--patience", type=int, default=5, help="early stopping on validation AUROC")
    p.add_argument("--val-fraction", type=float, default=0.2, help="patients held out when the manifest has no splits")
    p.add_argument("--pretrained-weights", type=Path, help="local safetensors file of this architecture")
    p.add_argument("--label-set-version", help="recorded in run.json")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda")
    p.add_argument("--threads", type=int, help="torch.set_num_threads for this process")
    p.add_argument("--max-steps-per-epoch", type=int, help="cap batches per epoch (smoke runs)")
    return p


def spec_from_args(args: argparse.Namespace) -> TrainingSpec:
    config = default_config(args.kind, args.arch, tile_size=args.tile_size, um_per_px=args.um_per_px,
                            threshold=args.threshold)  # fmt: skip
    return TrainingSpec(
        manifest=read_manifest(args.manifest), config=config, output_dir=args.output, epochs=args.epochs,
        batch_size=args.batch_size, lr=args.lr, weight_decay=args.weight_decay, num_workers=args.workers,
        seed=args.seed, patience=args.patience, val_fraction=args.val_fraction,
        pretrained_weights=args.pretrained_weights, label_set_version=args.label_set_version, device=args.device,
        max_steps_per_epoch=args.max_steps_per_epoch,
    )  # fmt: skip


def _print_epoch(record: EpochRecord) -> None:
    best = " (best)" if record.improved else ""
    print(f"epoch {record.epoch}: train loss {record.train_loss:.4f}, val AUROC {record.val_auroc:.4f}{best}, "
          f"{record.seconds:.1f} s", flush=True)  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        result = train(spec_from_args(args), on_epoch=_print_epoch)
    except (TrainingInputError, ManifestError, ModelLoadError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if result.saved is None:
        return 0  # a rank other than 0
    print(f"best epoch {result.best_epoch}: val AUROC {result.best_val_auroc:.4f}; "
          f"{len(result.history)} epoch(s){', stopped early' if result.stopped_early else ''}")  # fmt: skip
    print(result.saved.weights_path.parent)
    return 0
