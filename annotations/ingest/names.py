"""File names from outside are checked, never trusted to build a path.

A name is kept only as a record and as the last component under a directory
this platform chose; anything that could climb out of it or hide is refused.
"""

import secrets
import unicodedata
from pathlib import PurePath

from .errors import IngestError

MAX_NAME_LENGTH = 200


def check_filename(name: str) -> str:
    """``name`` if it is a plain file name; IngestError naming the problem otherwise."""
    if not name or not name.strip():
        raise IngestError("the file name is empty")
    if "/" in name or "\\" in name or name in (".", "..") or name.startswith(".."):
        raise IngestError(f"the file name {name!r} contains a path; send the bare file name")
    if any(unicodedata.category(char) == "Cc" for char in name):
        raise IngestError("the file name contains control characters")
    if len(name) > MAX_NAME_LENGTH:
        raise IngestError(f"the file name is longer than {MAX_NAME_LENGTH} characters")
    return name


def pseudonym_for(name: str) -> str:
    """A random stand-in for ``name`` that keeps only its extension (a hint of the format).

    For projects with ``pseudonymize_filenames``: the original name, which may carry
    a patient's name, is then stored nowhere (see ``services.mosaics``).
    """
    suffix = PurePath(name).suffix.lower()
    if not suffix[1:].isalnum() or len(suffix) > 8:
        suffix = ""
    return f"mosaic-{secrets.token_hex(8)}{suffix}"
