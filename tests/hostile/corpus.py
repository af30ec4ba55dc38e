"""The hostile-input corpus, generated (never committed): ``python -m tests.hostile.corpus OUT_DIR``.

Files an attacker or a broken exporter could send: decompression bombs in every
accepted format, truncated and corrupt files, polyglots, absurd dimensions and
metadata, path-traversal names. Each entry is ``(name, bytes, what the platform
must say)``; the tests upload every one and check the answer and that nothing is
left behind. Bodies for the JSON API (oversized, deeply nested, malformed GeoJSON,
wrong types) are in ``json_bodies``.
"""

import io
import struct
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyvips
from PIL import Image

SIDE = 100_000  # 10^10 pixels declared: far above any pixel limit


@dataclass(frozen=True)
class HostileFile:
    name: str
    make: Callable[[], bytes]
    expect: str  # a phrase the refusal or failure reason must contain


def bmp_bytes(width: int, height: int, *, bits: int, compression: int, pixel_data: bytes,
              palette: bytes | None = None) -> bytes:  # fmt: skip
    """A BMP with a 40-byte info header; ``height`` > 0 is bottom-up as usual."""
    if palette is None and bits <= 8:
        palette = b"".join(bytes((level, level, level, 0)) for level in range(2**bits))
    palette = palette or b""
    offset = 14 + 40 + len(palette)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, bits, compression, len(pixel_data), 2835, 2835,
                       len(palette) // 4, 0)  # fmt: skip
    return b"BM" + struct.pack("<IHHI", offset + len(pixel_data), 0, 0, offset) + info + palette + pixel_data


def rle8_rows(width: int, height: int, value: int = 128) -> bytes:
    """RLE8 codes for ``height`` rows of ``width`` pixels of ``value`` (runs of at most 255)."""
    row = b""
    left = width
    while left:
        run = min(255, left)
        row += bytes((run, value))
        left -= run
    return (row + b"\x00\x00") * height + b"\x00\x01"


def rle8_bomb() -> bytes:
    """16,000 x 16,000 (256 MP) from a few MB of run-length codes: 1.4 GB in memory through Pillow."""
    side = 16_000
    return bmp_bytes(side, side, bits=8, compression=1, pixel_data=rle8_rows(side, side))


def small_rle8() -> bytes:
    return bmp_bytes(300, 200, bits=8, compression=1, pixel_data=rle8_rows(300, 200, value=90))


def bmp_declaring(width: int, height: int) -> bytes:
    return bmp_bytes(width, height, bits=8, compression=0, pixel_data=b"\x00" * 1024)


def png_bomb() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    body = zlib.compress(b"\0" * (SIDE + 1) * 8, 9)
    header = struct.pack(">IIBBBBB", SIDE, SIDE, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def tiff_bomb() -> bytes:
    data = zlib.compress(b"\0" * 1_000_000, 9)
    entries = [(256, 4, SIDE), (257, 4, SIDE), (258, 3, 8), (259, 3, 8), (262, 3, 1), (273, 4, 0), (277, 3, 1),
               (278, 4, SIDE), (279, 4, len(data))]  # fmt: skip
    data_offset = 8 + 2 + len(entries) * 12 + 4
    out = bytearray(b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", len(entries)))
    for tag, kind, value in entries:
        value = data_offset if tag == 273 else value
        packed = struct.pack("<H", value) + b"\0\0" if kind == 3 else struct.pack("<I", value)
        out += struct.pack("<HHI", tag, kind, 1) + packed
    return bytes(out + struct.pack("<I", 0) + data)


def jpeg_declaring(width: int, height: int) -> bytes:
    """A small real JPEG whose frame header is rewritten to declare ``width`` x ``height``."""
    data = bytearray(pyvips.Image.black(64, 64).jpegsave_buffer())
    marker = data.index(b"\xff\xc0")
    data[marker + 5 : marker + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def small_png(side: int = 64) -> bytes:
    pixels = (np.arange(side * side, dtype=np.uint32) % 251).astype(np.uint8).reshape(side, side)
    return bytes(pyvips.Image.new_from_array(pixels).pngsave_buffer())


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    return data[: max(64, int(len(data) * keep))]


def corrupt_middle(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes(255 - b for b in data[middle : middle + 512]) + data[middle + 512 :]


def png_zip_polyglot() -> bytes:
    """A PNG with a ZIP archive (holding a script) appended: read as the PNG it starts as."""
    archive = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("payload.sh", "#!/bin/sh\necho owned\n")
    return small_png() + archive.getvalue()


def html_named_tif() -> bytes:
    return b"<html><script>alert(document.cookie)</script></html>" * 20


def gif_named_png() -> bytes:
    image = Image.new("L", (32, 32), 100)
    out = io.BytesIO()
    image.save(out, format="GIF")
    return out.getvalue()


def tiff_with_absurd_metadata() -> bytes:
    """A valid small TIFF with a 1 MB ImageDescription and a nonsense resolution: metadata is not trusted."""
    image = pyvips.Image.new_from_array(np.full((48, 64), 77, dtype=np.uint8))
    image = image.copy(xres=1e-9, yres=1e6)
    image.set_type(pyvips.GValue.gstr_type, "image-description", "<patient>Rossi</patient>" * 40_000)
    return bytes(image.tiffsave_buffer())


def tiff_zero_width() -> bytes:
    entries = [(256, 4, 0), (257, 4, 10), (258, 3, 8), (277, 3, 1)]
    out = bytearray(b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", len(entries)))
    for tag, kind, value in entries:
        packed = struct.pack("<H", value) + b"\0\0" if kind == 3 else struct.pack("<I", value)
        out += struct.pack("<HHI", tag, kind, 1) + packed
    return bytes(out + struct.pack("<I", 0))


def tiff_ifd_loop() -> bytes:
    """A TIFF whose directory points outside the file."""
    return b"II*\x00" + struct.pack("<I", 0x7FFFFFF0) + b"\0" * 64


UPLOADS: list[HostileFile] = [
    # Decompression bombs, refused on their declared size before any decoding.
    HostileFile("bomb.png", png_bomb, "refused before decoding"),
    HostileFile("bomb.tif", tiff_bomb, "refused before decoding"),
    HostileFile("bomb.jpg", lambda: jpeg_declaring(60_000, 60_000), "refused before decoding"),
    HostileFile("bomb.bmp", lambda: bmp_declaring(SIDE, SIDE), "refused before decoding"),
    HostileFile("bomb-rle8.bmp", rle8_bomb, "bounded memory"),
    # Absurd geometry and metadata.
    HostileFile("zero-width.tif", tiff_zero_width, "empty image"),
    HostileFile("ifd-outside.tif", tiff_ifd_loop, "truncated or corrupt"),
    HostileFile("negative-size.bmp", lambda: bmp_declaring(-5, 10), "empty image"),
    # Not images, whatever their names say.
    HostileFile("script.tif", html_named_tif, "not an image"),
    HostileFile("animation.png", gif_named_png, "not an image"),
    HostileFile("empty.png", lambda: b"", "empty"),
]

# Files that pass the header checks and must fail in the worker with a reason (or ingest correctly).
INGESTED: list[HostileFile] = [
    HostileFile("truncated.png", lambda: truncated(small_png(512), 0.3), "truncated or corrupt"),
    HostileFile("corrupt.jpg", lambda: corrupt_middle(pyvips.Image.black(256, 256).jpegsave_buffer()), "corrupt"),
    HostileFile("truncated.bmp", lambda: truncated(bmp_bytes(3000, 2000, bits=8, compression=0,
                                                             pixel_data=b"\x40" * 3000 * 2000)), "truncated"),  # fmt: skip
]

# Hostile but harmless: accepted and ingested as what they really are.
ACCEPTED: list[HostileFile] = [
    HostileFile("polyglot.png", png_zip_polyglot, ""),
    HostileFile("absurd-metadata.tif", tiff_with_absurd_metadata, ""),
    HostileFile("small-rle8.bmp", small_rle8, ""),
]

TRAVERSAL_NAMES = ["../../etc/passwd.tif", "..\\..\\boot.ini.tif", "/etc/cron.d/x.tif", "a\x00b.tif",
                   ".hidden.tif", "con.tif\n", "x" * 300 + ".tif"]  # fmt: skip


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def json_bodies() -> Iterator[tuple[str, str, Any]]:
    """``(what, endpoint kind, body)`` for the reading API: each must get a clear 4xx and change nothing."""
    square = [[[10, 10], [60, 10], [60, 60], [10, 60], [10, 10]]]
    yield "deeply nested JSON", "region", nested(100_000)
    yield "label as a list", "region", {"label": ["atypical_honeycomb"], "geometry": {"type": "Polygon", "coordinates": square}}
    yield "geometry as a string", "region", {"label": "atypical_honeycomb", "geometry": "POLYGON((0 0,1 0,1 1,0 0))"}
    yield "coordinates of strings", "region", {"label": "atypical_honeycomb",
                                               "geometry": {"type": "Polygon", "coordinates": [[["a", "b"]] * 4]}}  # fmt: skip
    yield "NaN coordinates", "region", '{"label": "atypical_honeycomb", "geometry": {"type": "Polygon", "coordinates": [[[NaN, 1], [2, 2], [3, 1], [NaN, 1]]]}}'
    yield "huge coordinates", "region", {"label": "atypical_honeycomb",
                                         "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1e308, 0], [1e308, 1e308], [0, 0]]]}}  # fmt: skip
    yield "a point, not a polygon", "region", {"label": "atypical_honeycomb", "geometry": {"type": "Point", "coordinates": [1, 2]}}
    yield "unknown field", "region", {"label": "atypical_honeycomb", "geometry": {"type": "Polygon", "coordinates": square}, "owner": 1}
    yield "read_version as a string", "region", {"label": "atypical_honeycomb", "read_version": "7",
                                                 "geometry": {"type": "Polygon", "coordinates": square}}  # fmt: skip
    yield "confidence as text", "fields", {"confidence": "very"}
    yield "diagnosis as an object", "fields", {"diagnosis": {"$ne": ""}}
    yield "note as a number", "fields", {"note": 12}
    yield "body is a list", "fields", [1, 2, 3]
    yield "body is not JSON", "fields", "{'note': 'x'"
    yield "GeoJSON without features", "geojson", {"type": "FeatureCollection"}
    yield "GeoJSON feature without geometry", "geojson", {"type": "FeatureCollection", "features": [{"type": "Feature"}]}
    yield "GeoJSON with a self-crossing bow tie only", "geojson", {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"label": "atypical_honeycomb"},
         "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [0, 0], [0, 0], [0, 0]]]}}]}  # fmt: skip
    yield "GeoJSON features as a dict", "geojson", {"type": "FeatureCollection", "features": {"0": {}}}
    yield "GeoJSON of 20,001 features", "geojson", {"type": "FeatureCollection",
                                                    "features": [{"type": "Feature"}] * 20_001}  # fmt: skip


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for entry in UPLOADS + INGESTED + ACCEPTED:
        (out_dir / entry.name).write_bytes(entry.make())
        print(f"{entry.name}\t{(out_dir / entry.name).stat().st_size:,} bytes\t{entry.expect or 'accepted'}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus"))
