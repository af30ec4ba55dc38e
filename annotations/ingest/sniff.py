"""What a file is, by its bytes, and how big it says it is, before any decoding.

The extension is never trusted: a PNG named ``.tif`` is read as a PNG and a text
file named ``.tif`` is refused. The header is parsed here by hand (a few dozen
bytes per format) rather than by a decoder, so that a decompression bomb — a tiny
file declaring 100,000 x 100,000 pixels — is refused on its declared size before
any library allocates or decodes anything.
"""

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .bmp import check_bmp
from .errors import IngestError

FORMATS = ("tiff", "bigtiff", "png", "jpeg", "bmp")
MAX_CHANNELS = 4


@dataclass(frozen=True)
class Header:
    format: str
    width: int
    height: int
    channels: int
    bits_per_sample: int
    # BMP only: bits per pixel and the compression field (BMP's decoders differ in memory needs).
    bits_per_pixel: int = 0
    compression: int = 0

    @property
    def pixels(self) -> int:
        return self.width * self.height


def sniff_format(head: bytes) -> str | None:
    """The format named by the first bytes of a file, or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if head.startswith((b"II+\x00", b"MM\x00+")):
        return "bigtiff"
    if head.startswith(b"BM") and len(head) >= 26:
        return "bmp"
    return None


def read_header(path: Path) -> Header:
    """The file's format and declared geometry; IngestError if it is not an image we read."""
    size = path.stat().st_size
    if size == 0:
        raise IngestError("the file is empty (0 bytes); upload the mosaic file again")
    with path.open("rb") as stream:
        head = stream.read(32)
        kind = sniff_format(head)
        if kind is None:
            raise IngestError(
                "the file is not an image this platform reads: its content is not TIFF, BigTIFF, PNG, JPEG or BMP "
                "(the file name's extension is not trusted)"
            )
        stream.seek(0)
        try:
            header = _PARSERS[kind](stream)
        except (struct.error, ValueError, IndexError) as error:
            raise IngestError(
                f"the {kind.upper()} header is truncated or corrupt ({error}); export the file again"
            ) from error
    if header.width <= 0 or header.height <= 0:
        raise IngestError(f"the {kind.upper()} header declares an empty image ({header.width} x {header.height})")
    return header


def check_header(header: Header, *, max_pixels: int) -> None:
    """Refuse what we will not decode: too many pixels, too many channels, odd bit depths."""
    if header.pixels > max_pixels:
        raise IngestError(
            f"the image declares {header.width} x {header.height} = {header.pixels:,} pixels, above this platform's "
            f"limit of {max_pixels:,} (setting RCM_MAX_IMAGE_PIXELS); it was refused before decoding"
        )
    if header.channels > MAX_CHANNELS:
        raise IngestError(
            f"the image has {header.channels} channels; only grey, grey+alpha, RGB or RGBA (at most 4) are accepted"
        )
    if header.format != "bmp" and header.bits_per_sample not in (1, 2, 4, 8, 16):
        raise IngestError(f"{header.bits_per_sample}-bit samples are not supported; export 8- or 16-bit images")
    if header.format == "bmp":
        check_bmp(width=header.width, height=header.height, bits=header.bits_per_pixel, compression=header.compression)


def _png(stream: BinaryIO) -> Header:
    data = stream.read(33)
    length, chunk = struct.unpack(">I4s", data[8:16])
    if chunk != b"IHDR" or length != 13:
        raise ValueError("no IHDR chunk")
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    channels = {0: 1, 2: 3, 3: 3, 4: 2, 6: 4}.get(colour)
    if channels is None:
        raise ValueError(f"unknown PNG colour type {colour}")
    return Header("png", width, height, channels, depth)


_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg(stream: BinaryIO) -> Header:
    stream.seek(2)
    # Walk the marker segments up to the frame header; 1 MB of markers is already absurd.
    while stream.tell() < 1024**2:
        byte = stream.read(1)
        if not byte:
            break
        if byte != b"\xff":
            continue
        marker = stream.read(1)
        while marker == b"\xff":  # fill bytes
            marker = stream.read(1)
        if not marker:
            break
        code = marker[0]
        if code in (0x01, *range(0xD0, 0xD9)):  # markers without a length
            continue
        (length,) = struct.unpack(">H", stream.read(2))
        if code in _JPEG_SOF:
            precision, height, width, components = struct.unpack(">BHHB", stream.read(6))
            return Header("jpeg", width, height, components, precision)
        if code == 0xDA:  # start of scan before any frame header
            break
        stream.seek(length - 2, 1)
    raise ValueError("no JPEG frame header")


def _bmp(stream: BinaryIO) -> Header:
    data = stream.read(34)
    (dib_size,) = struct.unpack("<I", data[14:18])
    compression = 0
    if dib_size == 12:
        width, height, _planes, bpp = struct.unpack("<HHHH", data[18:26])
    else:
        width, height, _planes, bpp, compression = struct.unpack("<iiHHI", data[18:34])
    channels = {1: 1, 2: 1, 4: 1, 8: 1, 16: 3, 24: 3, 32: 4}.get(bpp)
    if channels is None:
        raise ValueError(f"unsupported BMP depth {bpp}")
    return Header("bmp", width, abs(height), channels, 8, bits_per_pixel=bpp, compression=compression)


_TIFF_TYPES = {1: ("B", 1), 3: ("H", 2), 4: ("I", 4), 16: ("Q", 8)}


def _tiff(stream: BinaryIO) -> Header:
    head = stream.read(16)
    order = "<" if head[:2] == b"II" else ">"
    big = struct.unpack(order + "H", head[2:4])[0] == 43
    if big:
        (offset,) = struct.unpack(order + "Q", head[8:16])
        count_format, entry_size, value_size = "Q", 20, 8
    else:
        (offset,) = struct.unpack(order + "I", head[4:8])
        count_format, entry_size, value_size = "H", 12, 4
    stream.seek(offset)
    (entries,) = struct.unpack(order + count_format, stream.read(struct.calcsize(count_format)))
    if entries > 4096:
        raise ValueError(f"{entries} entries in the first directory")
    table = stream.read(entries * entry_size)
    if len(table) < entries * entry_size:
        raise ValueError("the first directory is cut short")
    tags: dict[int, list[int]] = {}
    for index in range(entries):
        entry = table[index * entry_size : (index + 1) * entry_size]
        tag, kind = struct.unpack(order + "HH", entry[:4])
        if tag not in (256, 257, 258, 277) or kind not in _TIFF_TYPES:
            continue
        (count,) = struct.unpack(order + ("Q" if big else "I"), entry[4 : 4 + value_size])
        code, width = _TIFF_TYPES[kind]
        count = min(count, 16)
        raw = entry[4 + value_size :]
        if count * width > value_size:  # the values live elsewhere in the file
            (pointer,) = struct.unpack(order + ("Q" if big else "I"), raw)
            here = stream.tell()
            stream.seek(pointer)
            raw = stream.read(count * width)
            stream.seek(here)
        tags[tag] = list(struct.unpack(order + code * count, raw[: count * width]))
    if 256 not in tags or 257 not in tags:
        raise ValueError("no image width or length tag")
    channels = tags.get(277, [1])[0]
    bits = tags.get(258, [1])[0]
    return Header("bigtiff" if big else "tiff", tags[256][0], tags[257][0], channels, bits)


_PARSERS = {"png": _png, "jpeg": _jpeg, "tiff": _tiff, "bigtiff": _tiff, "bmp": _bmp}
