"""Small test images in every accepted format, and hostile ones, made on the fly."""

import struct
import zlib
from pathlib import Path

import numpy as np
import pyvips
from PIL import Image

from tests.mosaic_builders import textured_gray

WIDTH, HEIGHT = 640, 480


def gray8(width: int = WIDTH, height: int = HEIGHT, seed: int = 0) -> np.ndarray:
    return textured_gray(width, height, seed)


def rgb8(width: int = WIDTH, height: int = HEIGHT) -> np.ndarray:
    base = gray8(width, height).astype(np.int16)
    return np.clip(np.dstack([base, base // 2, 255 - base]), 0, 255).astype(np.uint8)


def write(path: Path, pixels: np.ndarray, **options: object) -> Path:
    """Save ``pixels`` with libvips (format from the suffix, options passed through)."""
    image = pyvips.Image.new_from_array(pixels)
    if pixels.ndim == 3:
        image = image.copy(interpretation="srgb" if pixels.dtype == np.uint8 else "rgb16")
    elif pixels.dtype == np.uint16:
        image = image.copy(interpretation="grey16")
    image.write_to_file(str(path), **options)
    return path


def write_bmp(path: Path, pixels: np.ndarray) -> Path:
    Image.fromarray(pixels).save(path, format="BMP")
    return path


def png_bomb(path: Path, side: int = 100_000) -> Path:
    """A valid-looking PNG header declaring side x side pixels, with a tiny compressed body."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    body = zlib.compress(b"\0" * (side + 1) * 4, 9)  # a few rows; a decoder would want them all
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b""))
    return path


def tiff_bomb(path: Path, side: int = 100_000) -> Path:
    """A classic TIFF whose only directory declares side x side 8-bit grey pixels in one tiny strip."""
    entries = [
        (256, 4, 1, side), (257, 4, 1, side), (258, 3, 1, 8), (259, 3, 1, 8),  # deflate
        (262, 3, 1, 1), (273, 4, 1, 0), (277, 3, 1, 1), (278, 4, 1, side), (279, 4, 1, 0),
    ]  # fmt: skip
    data = zlib.compress(b"\0" * 1_000_000, 9)
    ifd_offset = 8
    ifd_size = 2 + len(entries) * 12 + 4
    data_offset = ifd_offset + ifd_size
    out = bytearray(b"II*\x00" + struct.pack("<I", ifd_offset) + struct.pack("<H", len(entries)))
    for tag, kind, count, value in entries:
        if tag == 273:
            value = data_offset
        if tag == 279:
            value = len(data)
        packed = struct.pack("<H", value) + b"\0\0" if kind == 3 else struct.pack("<I", value)
        out += struct.pack("<HHI", tag, kind, count) + packed
    out += struct.pack("<I", 0) + data
    path.write_bytes(bytes(out))
    return path


def five_channel_tiff(path: Path) -> Path:
    bands = [pyvips.Image.new_from_array(gray8(64, 48, seed)) for seed in range(5)]
    bands[0].bandjoin(bands[1:]).copy(interpretation="multiband").tiffsave(str(path))
    return path
