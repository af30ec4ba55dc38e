"""A real timm network, saved as the platform's model files, whose output is a known function of the tile.

``brightness_model`` sets a ``resnet10t``'s weights by hand so that on a flat tile
the network computes ``sigmoid(GAIN * (pixel / 255) + BIAS)``: every convolution
passes channel 0 through its centre tap, every batch norm is the identity except
the first, which undoes the input normalisation, and the classifier reads channel
0 of the pooled features (rescaled by what the residual blocks added up, measured
once). It is loaded by ``inference.ml.model_files.load_model`` like any registered
model, so the platform's whole path (files → task → grid, heatmap, suggestions) is
what the tests check.
"""

import math
from pathlib import Path

import torch
from torch import nn

from inference.ml.model_config import ModelConfig
from inference.ml.model_files import SavedModel, save_model
from inference.ml.models import create_model
from tests.inference.ml.builders import tiny_classifier_config

GAIN, BIAS = 8.0, -4.0
ARCH = "resnet10t"


def expected_probability(level: float) -> float:
    """What the model answers on a flat tile of grey ``level`` (0-255)."""
    return 1 / (1 + math.exp(-(GAIN * level / 255 + BIAS)))


@torch.no_grad()
def _craft(model: nn.Module, config: ModelConfig) -> None:
    first_norm = True
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            module.weight.zero_()
            kh, kw = module.kernel_size
            module.weight[0, 0, kh // 2, kw // 2] = 1.0
            if module.bias is not None:
                module.bias.zero_()
        elif isinstance(module, nn.BatchNorm2d):
            module.running_var.fill_(1.0 - module.eps)
            module.running_mean.zero_()
            module.weight.fill_(1.0)
            module.bias.zero_()
            if first_norm:  # (z - (-mean/std)) * std = pixel / 255: positive, so every ReLU passes it
                module.running_mean[0] = -config.mean[0] / config.std[0]
                module.weight[0] = config.std[0]
                first_norm = False
    head = model.get_classifier()
    head.weight.zero_()
    head.bias.zero_()
    head.weight[0, 0] = 1.0
    model.eval()
    scale = float(model(torch.full((1, 1, config.tile_size, config.tile_size), (1.0 - config.mean[0]) / config.std[0])))
    head.weight[0, 0] = GAIN / scale
    head.bias[0] = BIAS


def brightness_model(directory: Path, *, tile_size: int = 32, um_per_px: float = 0.5, threshold: float = 0.5) -> SavedModel:
    config = tiny_classifier_config(tile_size, arch=ARCH, um_per_px=um_per_px, threshold=threshold)
    model = create_model(config)
    _craft(model, config)
    return save_model(model, config, directory)
