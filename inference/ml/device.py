"""Which compute device a worker has; the GPU worker and the health page report it."""

import os
from typing import TypedDict

import torch


class DeviceInfo(TypedDict):
    pid: int  # the process that answered (tests check it is the worker's)
    torch: str
    device: str
    cuda_available: bool
    cuda_device_name: str | None


def describe_device() -> DeviceInfo:
    cuda = torch.cuda.is_available()
    return DeviceInfo(
        pid=os.getpid(),
        torch=torch.__version__,
        device="cuda" if cuda else "cpu",
        cuda_available=cuda,
        cuda_device_name=torch.cuda.get_device_name(0) if cuda else None,
    )
