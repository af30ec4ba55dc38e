"""The platform's records; one module per concern, all re-exported here."""

from .cases import Case
from .centers import Center, Membership, Project, Role
from .mosaics import Mosaic, MosaicStatus, UploadSession, UploadStatus
from .reading import Provenance, Read, ReadRevision, ReadStatus, Region

__all__ = [
    "Case",
    "Center",
    "Membership",
    "Mosaic",
    "MosaicStatus",
    "Project",
    "Provenance",
    "Read",
    "ReadRevision",
    "ReadStatus",
    "Region",
    "Role",
    "UploadSession",
    "UploadStatus",
]
