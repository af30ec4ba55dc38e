"""Deep Zoom tiles pre-rendered at ingest, beside the pyramid, for nginx to serve as files.

``vips dzsave`` of the pyramid's full-resolution page writes every tile of every
level once, with the geometry the platform announces (``annotations.tiles.dzi``:
254 px + 1 px overlap, levels down to one pixel) and the JPEG quality it serves
(``RCM_TILE_JPEG_QUALITY``): the files are byte for byte what the Django tile
view renders (``annotations.tiles.render``; a test compares every tile). So the
first view of any tile is a file read, and what is on disk never depends on who
looked at what (no cache filling as readers pan: nothing to learn about another
reader's work from it).

Layout: ``<out>/tiles.dzi`` and ``<out>/tiles_files/<level>/<col>_<row>.jpeg``.
The tree is written under a hidden temporary name beside ``<out>`` and renamed
into place, so a reader of ``<out>`` sees no tiles or all of them.
"""

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pyvips

from annotations.tiles.dzi import OVERLAP, TILE_SIZE

DZI_DIR_NAME = "dzi"
DZI_BASENAME = "tiles"


def dzi_tiles_dir(dzi_dir: Path) -> Path:
    """Where the level folders are: ``<dzi dir>/tiles_files``."""
    return dzi_dir / f"{DZI_BASENAME}_files"


def dzi_descriptor_path(dzi_dir: Path) -> Path:
    """Written last by dzsave: its presence means the tiles are complete."""
    return dzi_dir / f"{DZI_BASENAME}.dzi"


def write_dzi_tiles(
    pyramid: Path, destination: Path, *, quality: int, on_progress: Callable[[int], None] | None = None
) -> Path:
    """Every DZI tile of ``pyramid`` as JPEG ``quality`` under ``destination`` (replaced atomically)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{destination.name}-", dir=destination.parent))
    try:
        image = pyvips.Image.new_from_file(str(pyramid), access="sequential", revalidate=True)
        if on_progress is not None:
            image.set_progress(True)
            image.signal_connect("eval", lambda _image, progress: on_progress(int(progress.percent)))
        # keep="none": no metadata in the tiles (Pillow's encoder, without its JFIF header, writes the same bytes).
        image.dzsave(
            str(temporary / DZI_BASENAME),
            suffix=f".jpeg[Q={quality},keep=none]",
            tile_size=TILE_SIZE,
            overlap=OVERLAP,
            depth="onepixel",
            layout="dz",
        )
        temporary.chmod(0o755)  # mkdtemp makes it private; nginx reads it
        _replace_dir(temporary, destination)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    return destination


def _replace_dir(new: Path, destination: Path) -> None:
    """Put ``new`` at ``destination``; a previous tree is moved aside first, then removed."""
    old = None
    if destination.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{destination.name}-old-", dir=destination.parent))
        destination.rename(old / "tree")
    new.rename(destination)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
