"""The platform's records; one module per concern, all re-exported here."""

from .adjudication import (
    Adjudication,
    AdjudicationComponent,
    AdjudicationDecision,
    ComponentKind,
    ConsensusStart,
    DecisionChoice,
)
from .agreement import AgreementResult, AgreementSummary, CalibrationResult
from .cases import Case
from .centers import AIProtocol, Center, Membership, Project, Role
from .coverage import ReadCoverage
from .labelsets import LabelSet, LabelSetMosaic, LabelSetStatus, PatientSplit
from .mosaics import Mosaic, MosaicStatus, UploadSession, UploadStatus
from .outbox import OutboxTask
from .reading import Provenance, Read, ReadKind, ReadRevision, ReadStatus, Region

__all__ = [
    "AIProtocol",
    "Adjudication",
    "AdjudicationComponent",
    "AdjudicationDecision",
    "AgreementResult",
    "AgreementSummary",
    "CalibrationResult",
    "Case",
    "Center",
    "ComponentKind",
    "ConsensusStart",
    "DecisionChoice",
    "LabelSet",
    "LabelSetMosaic",
    "LabelSetStatus",
    "Membership",
    "Mosaic",
    "MosaicStatus",
    "PatientSplit",
    "OutboxTask",
    "Project",
    "Provenance",
    "Read",
    "ReadCoverage",
    "ReadKind",
    "ReadRevision",
    "ReadStatus",
    "Region",
    "Role",
    "UploadSession",
    "UploadStatus",
]
