"""The inference app's records, one module per concern, all re-exported here."""

from .prediction import DecisionKind, PredictionRun, RunStatus, Suggestion, SuggestionDecision
from .registry import ModelKind, ModelStatus, RegisteredModel

__all__ = [
    "DecisionKind",
    "ModelKind",
    "ModelStatus",
    "PredictionRun",
    "RegisteredModel",
    "RunStatus",
    "Suggestion",
    "SuggestionDecision",
]
