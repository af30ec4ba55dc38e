"""BMP with bounded memory: uncompressed files are converted strip by strip, compressed ones are capped.

libvips has no BMP loader and Pillow decodes a whole BMP into memory (a 256 MP
file: 1.4 GB at peak with the copies around it). Run-length-encoded BMPs are
also decompression bombs: a few MB of RLE codes decode to gigabytes. So:

- an uncompressed BMP (8-bit palette, 24-bit BGR, 32-bit BGRX — what microscopes
  and exports write) is read a strip of rows at a time, turned into 8-bit grey
  (the palette applied, colour by BT.601 luma) and written top-down into a raw
  scratch file, which libvips maps and reads sequentially: memory stays at a
  strip, whatever the size;
- any other BMP (RLE4/RLE8, bit fields, 16-bit, 1/4-bit palettes) goes through
  Pillow, and only up to ``PILLOW_MAX_PIXELS``; larger ones are refused by
  ``check_bmp`` when their header is read, at upload, before any decoding.

This module never imports Django.
"""

import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyvips

from .errors import IngestError

# Pillow holds the decoded image, a mode conversion and a numpy copy: ~6 bytes a pixel at
# most, so 48 MP stays far under the 1 GB an ingest may use. VivaScope frames are 1 MP.
PILLOW_MAX_PIXELS = 48_000_000
STRIP_BYTES = 16 * 1024**2
BT601 = np.array([0.114, 0.587, 0.299], dtype=np.float32)  # B, G, R order as stored
COMPRESSION_NAMES = {0: "none", 1: "RLE8", 2: "RLE4", 3: "bit fields", 4: "JPEG", 5: "PNG", 6: "alpha bit fields"}


@dataclass(frozen=True)
class BmpLayout:
    width: int
    height: int
    top_down: bool
    bits: int
    compression: int
    pixel_offset: int
    palette: np.ndarray | None  # (n, 3) BGR

    @property
    def row_bytes(self) -> int:
        return (self.width * self.bits + 31) // 32 * 4

    @property
    def streamable(self) -> bool:
        return streamable(self.bits, self.compression)


def streamable(bits: int, compression: int) -> bool:
    """Whether a BMP of this depth and compression is converted strip by strip."""
    return compression == 0 and bits in (8, 24, 32)


def read_layout(path: Path) -> BmpLayout:
    with path.open("rb") as stream:
        head = stream.read(14 + 40)
        (pixel_offset,) = struct.unpack("<I", head[10:14])
        (dib_size,) = struct.unpack("<I", head[14:18])
        if dib_size == 12:  # OS/2 core header: no compression, 3-byte palette entries
            width, height, _planes, bits = struct.unpack("<HHHH", head[18:26])
            compression, colours, entry = 0, 0, 3
        else:
            width, height, _planes, bits, compression = struct.unpack("<iiHHI", head[18:34])
            (colours,) = struct.unpack("<I", head[46:50])
            entry = 4
        palette = None
        if bits <= 8:
            count = colours or 2**bits
            stream.seek(14 + dib_size)
            raw = stream.read(count * entry)
            if len(raw) < count * entry:
                raise IngestError("the BMP palette is cut short; export the file again")
            palette = np.frombuffer(raw, dtype=np.uint8).reshape(count, entry)[:, :3]
    return BmpLayout(abs(width), abs(height), height < 0, bits, compression, pixel_offset, palette)


def check_bmp(*, width: int, height: int, bits: int, compression: int) -> None:
    """Refuse a BMP that only an in-memory decoder reads and that is too large for it."""
    pixels = width * height
    if not streamable(bits, compression) and pixels > PILLOW_MAX_PIXELS:
        kind = COMPRESSION_NAMES.get(compression, f"type {compression}")
        raise IngestError(
            f"a {bits}-bit BMP with {kind} compression of {pixels:,} pixels cannot be decoded within "
            f"bounded memory (this kind is accepted up to {PILLOW_MAX_PIXELS:,} pixels); "
            "export the mosaic as TIFF, PNG or an uncompressed 8- or 24-bit BMP"
        )


def _grey_lut(palette: np.ndarray) -> tuple[np.ndarray, bool]:
    """A 256-entry palette-index -> grey table, and whether the palette was grey already."""
    lut = np.zeros(256, dtype=np.uint8)
    is_grey = bool(np.all(palette[:, 0] == palette[:, 1]) and np.all(palette[:, 1] == palette[:, 2]))
    grey = palette[:, 0] if is_grey else np.rint(palette.astype(np.float32) @ BT601).astype(np.uint8)
    lut[: len(grey)] = grey[:256]
    return lut, is_grey


def stream_to_gray(path: Path, layout: BmpLayout, scratch_dir: Path) -> tuple[pyvips.Image, list[str], Path]:
    """The BMP as one uchar band read from a raw scratch file; the conversions made; the scratch path.

    The caller removes the scratch file once the image has been written out.
    """
    conversions: list[str] = []
    lut: np.ndarray | None = None
    if layout.bits == 8:
        assert layout.palette is not None
        lut, is_grey = _grey_lut(layout.palette)
        if not is_grey:
            conversions.append("colour palette converted to grey (ITU-R BT.601 luma)")
    else:
        conversions.append("RGB converted to grey (ITU-R BT.601 luma: 0.299 R + 0.587 G + 0.114 B)")
        if layout.bits == 32:
            conversions.append("fourth (padding or alpha) byte of each pixel dropped")
    width, height, row_bytes = layout.width, layout.height, layout.row_bytes
    expected = layout.pixel_offset + row_bytes * height
    if path.stat().st_size < expected:
        raise IngestError(
            f"the BMP file is truncated: {width} x {height} pixels need {expected:,} bytes, it has {path.stat().st_size:,}"
        )
    handle, name = tempfile.mkstemp(prefix=".decoded-", suffix=".raw", dir=scratch_dir)
    scratch = Path(name)
    rows_per_strip = max(1, STRIP_BYTES // row_bytes)
    try:
        with path.open("rb") as source, os.fdopen(handle, "wb") as out:
            out.truncate(width * height)
            for first in range(0, height, rows_per_strip):
                count = min(rows_per_strip, height - first)
                source.seek(layout.pixel_offset + first * row_bytes)
                strip = np.frombuffer(source.read(count * row_bytes), dtype=np.uint8).reshape(count, row_bytes)
                grey = _strip_to_gray(strip, layout, lut)
                # Stored bottom-up unless the height was negative: file row r is image row height-1-r.
                top = first if layout.top_down else height - first - count
                out.seek(top * width)
                out.write((grey if layout.top_down else grey[::-1]).tobytes())
    except BaseException:
        scratch.unlink(missing_ok=True)
        raise
    image = pyvips.Image.rawload(str(scratch), width, height, 1).copy(interpretation="b-w")
    return image, conversions, scratch


def _strip_to_gray(strip: np.ndarray, layout: BmpLayout, lut: np.ndarray | None) -> np.ndarray:
    width = layout.width
    if layout.bits == 8:
        assert lut is not None
        return lut[strip[:, :width]]
    channels = layout.bits // 8
    pixels = strip[:, : width * channels].reshape(strip.shape[0], width, channels)[:, :, :3]
    return np.rint(pixels.astype(np.float32) @ BT601).astype(np.uint8)
