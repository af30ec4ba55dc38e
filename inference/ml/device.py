"""Which compute device a worker has; the GPU worker and the health page report it."""

from typing import TypedDict

import torch


class DeviceInfo(TypedDict):
    torch: str
    device: str
    cuda_available: bool
    cuda_device_name: str | None


def describe_device() -> DeviceInfo:
    cuda = torch.cuda.is_available()
    return DeviceInfo(
        torch=torch.__version__,
        device="cuda" if cuda else "cpu",
        cuda_available=cuda,
        cuda_device_name=torch.cuda.get_device_name(0) if cuda else None,
    )
