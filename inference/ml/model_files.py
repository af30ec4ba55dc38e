"""A model on disk: ``model.safetensors`` + ``config.json``, written and read in one format.

``save_model`` writes both files atomically and returns their SHA-256 (what the
model registry stores to tell versions apart); ``load_model`` reads only those local
files (never a hub, never ``pretrained=True``), checks them, and proves the model
works with one forward pass on a dummy tile. Every problem is one ``ModelLoadError``
whose message names the file and says what is wrong: missing or unreadable file,
missing or invalid config field, unknown architecture, weights with missing or
unexpected keys or of the wrong shape.
"""

import hashlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn

from inference.ml.model_config import ModelConfig, ModelLoadError, load_config, save_config
from inference.ml.models import check_arch, create_model, prepare_batch

WEIGHTS_NAME = "model.safetensors"
CONFIG_NAME = "config.json"


@dataclass(frozen=True)
class SavedModel:
    weights_path: Path
    config_path: Path
    weights_sha256: str
    config_sha256: str


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def atomic_write(final: Path) -> Iterator[Path]:
    """A temporary path beside ``final``, renamed onto it only when the block succeeds."""
    final.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{final.name}-", dir=final.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.replace(temporary, final)
    finally:
        temporary.unlink(missing_ok=True)


def save_model(model: nn.Module, config: ModelConfig, directory: Path) -> SavedModel:
    """Write ``model.safetensors`` and ``config.json`` into ``directory`` (the format ``load_model`` reads)."""
    directory = Path(directory)
    weights, config_path = directory / WEIGHTS_NAME, directory / CONFIG_NAME
    # Tied or shared tensors are stored once each: safetensors refuses aliasing storage.
    state = {name: tensor.detach().cpu().contiguous().clone() for name, tensor in _unwrap(model).state_dict().items()}
    with atomic_write(weights) as temporary:
        save_file(state, str(temporary), metadata={"kind": config.kind, "arch": config.arch})
    with atomic_write(config_path) as temporary:
        save_config(config, temporary)
    return SavedModel(weights, config_path, sha256_of(weights), sha256_of(config_path))


def saved_model_in(directory: Path) -> SavedModel | None:
    """The model files in ``directory`` with their SHA-256, or None when either is missing."""
    weights, config = Path(directory) / WEIGHTS_NAME, Path(directory) / CONFIG_NAME
    if not weights.is_file() or not config.is_file():
        return None
    return SavedModel(weights, config, sha256_of(weights), sha256_of(config))


def load_model(
    weights_path: Path, config_path: Path, *, device: str | torch.device = "cpu"
) -> tuple[nn.Module, ModelConfig]:
    """The model in eval mode on ``device`` and its config; raises ModelLoadError naming the bad file."""
    config = load_config(Path(config_path))
    check_arch(config.kind, config.arch, source=str(config_path))
    state = read_weights(Path(weights_path))
    model = create_model(config)
    check_state_dict(model, state, source=str(weights_path))
    model.load_state_dict(state)
    model.to(device).eval()
    _prove_forward(model, config, source=f"{weights_path} with {config_path}", device=device)
    return model, config


def read_weights(path: Path) -> dict[str, torch.Tensor]:
    if not path.is_file():
        raise ModelLoadError(f"{path}: weights file not found")
    try:
        return load_file(str(path))
    except (SafetensorError, OSError, ValueError) as error:
        raise ModelLoadError(f"{path}: not a readable safetensors file ({error})") from error


def check_state_dict(model: nn.Module, state: Mapping[str, torch.Tensor], *, source: str) -> None:
    """Refuse weights that do not fit ``model``: keys missing or unexpected, or shapes that differ."""
    expected = _unwrap(model).state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    problems = []
    if missing:
        problems.append(f"{len(missing)} missing key(s), e.g. {', '.join(missing[:3])}")
    if unexpected:
        problems.append(f"{len(unexpected)} unexpected key(s), e.g. {', '.join(unexpected[:3])}")
    wrong = [
        f"{name} is {tuple(state[name].shape)}, the architecture needs {tuple(tensor.shape)}"
        for name, tensor in expected.items()
        if name in state and state[name].shape != tensor.shape
    ]
    if wrong:
        problems.append(f"{len(wrong)} tensor(s) of the wrong shape, e.g. {'; '.join(wrong[:2])}")
    if problems:
        raise ModelLoadError(f"{source}: weights do not fit this architecture: {'; '.join(problems)}")


def _prove_forward(model: nn.Module, config: ModelConfig, *, source: str, device: str | torch.device) -> None:
    tile = torch.zeros((1, config.tile_size, config.tile_size), dtype=torch.uint8, device=device)
    try:
        with torch.inference_mode():
            model(prepare_batch(tile, config))
    except (RuntimeError, ValueError, AssertionError) as error:
        raise ModelLoadError(f"{source}: a forward pass on a {config.tile_size}-px tile failed ({error})") from error


def _unwrap(model: nn.Module) -> nn.Module:
    """The module inside a DistributedDataParallel wrapper (its state dict keys have no 'module.' prefix)."""
    inner = getattr(model, "module", None)
    return inner if isinstance(inner, nn.Module) else model
