"""Label mask files (PNG, TIFF, NRRD) into one integer array, refusing bad files before decoding.

What a file is comes from its bytes, never its name (the ingest sniffer for
PNG/TIFF/BigTIFF, ``NRRD000`` for NRRD). The declared size is read from the
header and must equal the mosaic's (a mask of a downsampled export or of another
mosaic is refused, not stretched) and stay under the platform's pixel limit, so
a decompression bomb is never decoded. TIFF decodes through libvips (first
page), PNG through Pillow (a palette PNG, the usual way label tools save class
maps, gives its indices, which libvips would expand to colours); one band is
expected (a grey mask saved as RGB(A) with equal
channels is accepted, alpha dropped). NRRD goes through pynrrd.

**NRRD / Seg3D.** Supported: a 2-D label map, or a 3-D volume with exactly one
slice (Seg3D's "Export Segmentation" as a single label-map file, or one exported
mask layer, which is binary), integer samples (floats only when every value is
whole), any NRRD encoding pynrrd reads (raw, gzip, bzip2, ascii), attached or
detached header. Sample ``(x, y)`` is mosaic pixel ``(x, y)``: spacing, origin and
space directions are ignored (a label volume drawn on the mosaic has the
mosaic's grid). Not supported, with an error: several slices, several
components per sample (vector or RGB kinds). Seg3D's bit-plane storage (several
masks packed as bits of one value) is read as label values: map each bit value
(1, 2, 4, ...) with the label map; pixels where masks overlap carry sums that
the map does not name, and are reported as unknown values.
"""

import zlib
from pathlib import Path

import nrrd
import numpy as np
import pyvips
from PIL import Image

from annotations.ingest.errors import IngestError
from annotations.ingest.read import vips_reason
from annotations.ingest.sniff import read_header, sniff_format

from .errors import LabelImportError

DEFAULT_MAX_PIXELS = 400_000_000  # the platform's default RCM_MAX_IMAGE_PIXELS


def mask_kind(head: bytes) -> str | None:
    """``png``, ``tiff``, ``nrrd`` or None from the first bytes of a file."""
    if head.startswith(b"NRRD000"):
        return "nrrd"
    kind = sniff_format(head)
    return {"png": "png", "tiff": "tiff", "bigtiff": "tiff"}.get(kind or "")


def _check_size(kind: str, size: tuple[int, int], *, width: int, height: int, max_pixels: int) -> None:
    if size[0] * size[1] > max_pixels:
        raise LabelImportError(
            f"the {kind.upper()} mask declares {size[0]} x {size[1]} pixels, above this platform's limit of "
            f"{max_pixels:,}; it was refused before decoding"
        )
    if size != (width, height):
        raise LabelImportError(
            f"the {kind.upper()} mask is {size[0]} x {size[1]} px but the mosaic is {width} x {height} px; "
            "export the mask at the mosaic's full resolution"
        )


def read_mask(path: Path, *, width: int, height: int, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """The mask as a ``(height, width)`` integer array; LabelImportError with the reason otherwise."""
    with path.open("rb") as stream:
        kind = mask_kind(stream.read(16))
    if kind is None:
        raise LabelImportError("the file is not a PNG, TIFF or NRRD mask nor GeoJSON (by its content, not its name)")
    if kind == "nrrd":
        return _read_nrrd(path, width=width, height=height, max_pixels=max_pixels)
    try:
        header = read_header(path)
    except IngestError as error:
        raise LabelImportError(str(error)) from error
    _check_size(kind, (header.width, header.height), width=width, height=height, max_pixels=max_pixels)
    if kind == "png":
        return _one_band(_read_png(path, pixels=header.pixels), kind)
    try:
        image = pyvips.Image.new_from_file(str(path), access="sequential", fail_on="error")
        array = image.numpy()
    except pyvips.Error as error:
        raise LabelImportError(f"the {kind.upper()} mask cannot be read: {vips_reason(error)}") from error
    return _one_band(array, kind)


def _read_png(path: Path, *, pixels: int) -> np.ndarray:
    """PNG through Pillow, which keeps a palette image's indices (libvips expands them to colours)."""
    previous = Image.MAX_IMAGE_PIXELS  # the size was checked against the platform's limit already
    Image.MAX_IMAGE_PIXELS = None if previous is None else max(previous, pixels + 1)
    try:
        with Image.open(path) as picture:
            picture.load()
            return np.asarray(picture)
    except (OSError, ValueError, SyntaxError) as error:
        raise LabelImportError(f"the PNG mask cannot be read: {error}") from error
    finally:
        Image.MAX_IMAGE_PIXELS = previous


def _one_band(array: np.ndarray, kind: str) -> np.ndarray:
    if array.ndim == 3:
        bands = array.shape[2]
        colour = array[:, :, : 3 if bands >= 3 else 1]
        if bands >= 3 and not (np.array_equal(colour[:, :, 0], colour[:, :, 1])
                               and np.array_equal(colour[:, :, 0], colour[:, :, 2])):  # fmt: skip
            raise LabelImportError(f"the {kind.upper()} mask is in colour; export a single-channel (grey) label image")
        array = colour[:, :, 0]
    return _integral(array, kind)


def _integral(array: np.ndarray, kind: str) -> np.ndarray:
    if array.dtype.kind == "f":
        if not np.all(np.isfinite(array)) or not np.array_equal(array, np.round(array)):
            raise LabelImportError(f"the {kind.upper()} mask has fractional values; label masks hold whole numbers")
        array = array.astype(np.int64)
    if array.dtype.kind not in "iub":
        raise LabelImportError(f"the {kind.upper()} mask holds {array.dtype} samples, not label values")
    if array.size and (array.min() < 0 or array.max() > np.iinfo(np.int32).max):
        raise LabelImportError(f"the {kind.upper()} mask has label values outside 0 .. 2^31 - 1")
    return array


def _read_nrrd(path: Path, *, width: int, height: int, max_pixels: int) -> np.ndarray:
    try:
        with path.open("rb") as stream:
            header = nrrd.read_header(stream)
            sizes = [int(size) for size in header["sizes"]]
            kinds = [str(kind).lower() for kind in header.get("kinds", [])]
            if any(kind in ("vector", "list", "rgb-color", "rgba-color", "3-vector", "covariant-vector")
                   for kind in kinds):  # fmt: skip
                raise LabelImportError(
                    f"the NRRD volume has several components per sample (kinds {', '.join(kinds)}); export a label map"
                )
            if len(sizes) == 3 and sizes[2] != 1:
                raise LabelImportError(
                    f"the NRRD volume has {sizes[2]} slices; a mosaic's labels are one slice (export that slice)"
                )
            if len(sizes) not in (2, 3):
                raise LabelImportError(f"the NRRD file has {len(sizes)} dimensions; a 2-D label map is expected")
            _check_size("nrrd", (sizes[0], sizes[1]), width=width, height=height, max_pixels=max_pixels)
            data = nrrd.read_data(header, stream, str(path), index_order="C")
    except LabelImportError:
        raise
    except (nrrd.NRRDError, ValueError, KeyError, OSError, EOFError, zlib.error) as error:
        raise LabelImportError(f"the NRRD file is truncated or corrupt: {error}") from error
    return _integral(data.reshape(height, width), "nrrd")
