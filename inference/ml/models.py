"""Networks by name: timm classifiers and torchvision Mask R-CNN detectors, never pretrained.

``create_model(config)`` builds the untrained network a ``ModelConfig`` describes;
weights only ever come from local files (``model_files.load_model``), never a hub.

Classifiers: any timm architecture (``timm.create_model(arch, pretrained=False,
num_classes=1, in_chans=config.in_chans)``), one logit whose sigmoid is the
probability that the tile is suspicious. Architectures with a fixed input size
(Swin, ViT) are built for ``config.tile_size``.

Detectors: torchvision's Mask R-CNN with the labelled regions as instances.
One-channel input is handled by **replicating the grey channel to three** and giving
the model's transform the config's mean and std for each copy (``prepare_batch``
does the replication), rather than a one-channel first convolution: the network then
stays torchvision's exactly, so its state dict keys and shapes match torchvision's
and a local ImageNet/COCO checkpoint can be loaded as starting weights; the price,
two redundant input channels in the first convolution, is negligible next to the
~134 GFLOPs of the rest. The transform's resizing is switched off
(``min_size = max_size = tile_size``): tiles are already cut at the model's scale.

- ``maskrcnn_resnet50_fpn``: the study's detector.
- ``maskrcnn_resnet18_fpn``: the same heads on a ResNet-18 FPN backbone with a tenth
  of the proposals and detections, a lighter variant for CPU tests and quick
  experiments (not what the study used).
"""

from collections.abc import Callable
from typing import Any

import timm
import torch
from torch import nn
from torchvision.models.detection import MaskRCNN, maskrcnn_resnet50_fpn
from torchvision.models.detection.backbone_utils import resnet_fpn_backbone

from inference.ml.model_config import ModelConfig, ModelConfigError, ModelKind

# Grey-level statistics used when timm's config has none for one channel (ImageNet's, averaged).
_GREY_MEAN, _GREY_STD = 0.449, 0.226


def _maskrcnn_resnet18_fpn(num_classes: int, mean: list[float], std: list[float], size: int) -> nn.Module:
    backbone = resnet_fpn_backbone(
        backbone_name="resnet18", weights=None, norm_layer=nn.BatchNorm2d, trainable_layers=5
    )
    # Most of Mask R-CNN's cost is per proposal (~100 GFLOPs an image at torchvision's 1000), whatever the
    # tile size: the light variant keeps a tenth of the proposals and a fifth of the detections.
    return MaskRCNN(
        backbone, num_classes=num_classes, image_mean=mean, image_std=std, min_size=size, max_size=size,
        rpn_pre_nms_top_n_train=200, rpn_post_nms_top_n_train=100, rpn_pre_nms_top_n_test=100,
        rpn_post_nms_top_n_test=50, box_batch_size_per_image=64, box_detections_per_img=20,
    )  # fmt: skip


def _maskrcnn_resnet50_fpn(num_classes: int, mean: list[float], std: list[float], size: int) -> nn.Module:
    return maskrcnn_resnet50_fpn(
        weights=None, weights_backbone=None, num_classes=num_classes,
        image_mean=mean, image_std=std, min_size=size, max_size=size,
    )  # fmt: skip


DETECTORS: dict[str, Callable[[int, list[float], list[float], int], nn.Module]] = {
    "maskrcnn_resnet50_fpn": _maskrcnn_resnet50_fpn,
    "maskrcnn_resnet18_fpn": _maskrcnn_resnet18_fpn,
}


def check_arch(kind: ModelKind, arch: str, *, source: str = "config") -> None:
    """Raise ModelConfigError when ``arch`` is not a known architecture of that kind."""
    if kind == "detector" and arch not in DETECTORS:
        raise ModelConfigError(f"{source}: field 'arch': unknown detector {arch!r}; known: {', '.join(DETECTORS)}")
    if kind == "classifier" and not timm.is_model(arch):
        close = timm.list_models(f"*{arch.split('_')[0]}*")[:5]
        hint = f"; similar names: {', '.join(close)}" if close else ""
        raise ModelConfigError(f"{source}: field 'arch': {arch!r} is not in timm's model registry{hint}")


def create_model(config: ModelConfig) -> nn.Module:
    """The untrained network ``config`` describes (random weights, in train mode)."""
    check_arch(config.kind, config.arch)
    if config.kind == "detector":
        channels = 3 if config.in_chans == 1 else config.in_chans
        mean = list(config.mean) * (channels // config.in_chans)
        std = list(config.std) * (channels // config.in_chans)
        return DETECTORS[config.arch](config.num_classes, mean, std, config.tile_size)
    kwargs: dict[str, Any] = {}
    pretrained = timm.get_pretrained_cfg(config.arch)
    if pretrained is not None and pretrained.fixed_input_size:
        kwargs["img_size"] = config.tile_size
    return timm.create_model(config.arch, pretrained=False, num_classes=1, in_chans=config.in_chans, **kwargs)


def default_config(
    kind: ModelKind,
    arch: str,
    *,
    tile_size: int = 224,
    um_per_px: float = 0.5,
    in_chans: int = 1,
    threshold: float = 0.5,
) -> ModelConfig:
    """A config for ``arch`` with mean and std taken from timm's config for it (averaged to one channel).

    Detectors and architectures whose timm config has no statistics get ImageNet's, averaged.
    """
    check_arch(kind, arch)
    mean, std = [_GREY_MEAN] * 3, [_GREY_STD] * 3
    if kind == "classifier":
        pretrained = timm.get_pretrained_cfg(arch)
        if pretrained is not None and pretrained.mean and pretrained.std:
            mean, std = list(pretrained.mean), list(pretrained.std)
    if in_chans == 1:
        mean, std = [sum(mean) / len(mean)], [sum(std) / len(std)]
    else:
        mean, std = (mean * in_chans)[:in_chans], (std * in_chans)[:in_chans]
    return ModelConfig(
        kind=kind, arch=arch, in_chans=in_chans, num_classes=1 if kind == "classifier" else 2,
        mean=tuple(round(v, 4) for v in mean), std=tuple(round(v, 4) for v in std),
        tile_size=tile_size, um_per_px=um_per_px, threshold=threshold,
    )  # fmt: skip


def prepare_batch(tiles: torch.Tensor, config: ModelConfig) -> torch.Tensor:
    """uint8 tiles (B, H, W) or (B, C, H, W) → the float batch the network takes.

    Classifier: ``(pixel / 255 - mean) / std`` per channel. Detector: ``pixel / 255``
    with the grey channel replicated to three (Mask R-CNN's own transform normalises
    with the config's mean and std, see ``create_model``).
    """
    batch = tiles.unsqueeze(1) if tiles.dim() == 3 else tiles
    batch = batch.float().div_(255.0)
    if batch.shape[1] != config.in_chans:
        batch = batch.expand(-1, config.in_chans, -1, -1)
    if config.kind == "detector":
        return batch.expand(-1, 3, -1, -1) if config.in_chans == 1 else batch
    mean = torch.tensor(config.mean, device=batch.device).view(1, -1, 1, 1)
    std = torch.tensor(config.std, device=batch.device).view(1, -1, 1, 1)
    return (batch - mean) / std
