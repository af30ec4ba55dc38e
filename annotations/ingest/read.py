"""The source as one 8-bit grey band, and a record of every conversion made.

RCM mosaics are 8-bit grey; anything else is converted here and the conversion is
written into ``source_info`` so a reader can know what was done to the pixels:
RGB(A) becomes grey by ITU-R BT.601 luma (an exported grey image saved as RGB
comes back unchanged), an alpha band is dropped, 16-bit samples are scaled
linearly so the brightest sample becomes 255 (12-bit data stored in 16-bit
containers keep their full contrast). libvips reads TIFF, PNG and JPEG lazily;
BMP (the VivaScope frame format, which libvips does not read) goes through Pillow
when small, and is converted strip by strip when large (``annotations.ingest.bmp``).
"""

from pathlib import Path
from typing import Any

import numpy as np
import pyvips
from PIL import Image

from .bmp import PILLOW_MAX_PIXELS
from .errors import IngestError
from .sniff import Header

BT601 = [[0.299, 0.587, 0.114]]
# Pixel sizes a microscope can plausibly have; 72-dpi defaults (352 µm/px) and
# missing tags (1 px/mm) fall outside and leave the project default in charge.
PLAUSIBLE_UM_PER_PX = (0.05, 20.0)


def load(path: Path, header: Header, *, sequential: bool = True) -> pyvips.Image:
    """A lazy pyvips image of the source (first page / full resolution of a pyramid)."""
    try:
        if header.format == "bmp":
            return _load_bmp(path, header)
        access = "sequential" if sequential else "random"
        loader = {"png": pyvips.Image.pngload, "jpeg": pyvips.Image.jpegload}.get(header.format, pyvips.Image.tiffload)
        # libjpeg reports corrupt or missing scan data only as warnings ("Corrupt JPEG data",
        # "Premature end of JPEG file") and fills in grey: a diagnostic image must fail instead.
        fail_on = "warning" if header.format == "jpeg" else "error"
        return loader(str(path), access=access, fail_on=fail_on)
    except pyvips.Error as error:
        raise IngestError(f"the {header.format.upper()} file cannot be read: {vips_reason(error)}") from error


def _load_bmp(path: Path, header: Header) -> pyvips.Image:
    # In memory: only for small BMPs (VivaBlock frames, compressed files within the cap);
    # a large uncompressed one is converted in strips (annotations.ingest.bmp) by the pipeline.
    if header.pixels > PILLOW_MAX_PIXELS:
        raise IngestError(
            f"this BMP of {header.pixels:,} pixels is read only as a whole mosaic file, not as a frame "
            f"(frames are at most {PILLOW_MAX_PIXELS:,} pixels)"
        )
    # The header was checked against the platform's pixel limit already; Pillow's own
    # (a process-wide global) is raised for this call only, never lowered.
    previous = Image.MAX_IMAGE_PIXELS
    if previous is not None:
        Image.MAX_IMAGE_PIXELS = max(previous, header.pixels + 1)
    try:
        with Image.open(path) as source:
            source.load()
            picture: Image.Image = source
            if picture.mode in ("1", "P", "LA", "I;16"):
                picture = picture.convert("RGBA" if picture.mode in ("P", "LA") else "L")
            array = np.asarray(picture)
    except (OSError, ValueError, SyntaxError) as error:
        raise IngestError(f"the BMP file is truncated or corrupt: {error}") from error
    finally:
        Image.MAX_IMAGE_PIXELS = previous
    return pyvips.Image.new_from_array(np.ascontiguousarray(array))


def to_gray8(image: pyvips.Image, header: Header) -> tuple[pyvips.Image, dict[str, Any]]:
    """One uchar band, and what was done to get there."""
    info: dict[str, Any] = {
        "format": header.format,
        "width": image.width,
        "height": image.height,
        "channels": image.bands,
        "bits_per_sample": 16 if image.format in ("ushort", "short") else 8,
        "conversions": [],
    }
    if image.bands > 4:
        raise IngestError(f"the image has {image.bands} channels; at most 4 (grey, grey+alpha, RGB, RGBA) are accepted")
    if image.format not in ("uchar", "ushort"):
        raise IngestError(f"samples of type {image.format} are not supported; export 8- or 16-bit integer images")
    if image.bands in (2, 4):
        image = image.extract_band(0, n=image.bands - 1)
        info["conversions"].append("alpha band dropped")
    if image.bands == 3:
        image = image.recomb(BT601)
        info["conversions"].append("RGB converted to grey (ITU-R BT.601 luma: 0.299 R + 0.587 G + 0.114 B)")
    if image.format == "ushort" or info["bits_per_sample"] == 16:
        brightest = float(image.max())
        factor = 255.0 / brightest if brightest > 0 else 1.0
        image = image * factor
        info["conversions"].append(
            f"16-bit scaled linearly to 8-bit (brightest sample {brightest:g} -> 255, factor {factor:.6g})"
        )
    if image.format != "uchar":
        image = (image + 0.5).cast("uchar") if image.format in ("float", "double") else image.cast("uchar")
    return image.copy(interpretation="b-w"), info


def um_per_px_from_metadata(image: pyvips.Image) -> float | None:
    """The pixel size the file's resolution tags state, when plausible for a microscope."""
    fields = image.get_fields()
    if "vips-loader" not in fields or (image.get("vips-loader") == "tiffload" and "resolution-unit" not in fields):
        return None
    try:
        xres, yres = float(image.xres), float(image.yres)  # pixels per millimetre
    except (TypeError, ValueError):
        return None
    if xres <= 0 or yres <= 0 or abs(xres - yres) > 0.01 * xres:
        return None
    um = 1000.0 / xres
    low, high = PLAUSIBLE_UM_PER_PX
    return round(um, 6) if low <= um <= high else None


def vips_reason(error: pyvips.Error) -> str:
    text = (getattr(error, "detail", "") or str(error)).strip()
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[0] if lines else "unknown libvips error"
