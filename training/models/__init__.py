from .evaluation import Evaluation, EvaluationSplit
from .runs import CycleStatus, RetrainingCycle, RunStatus, TrainingRun
from .settings import TrainingSettings

__all__ = ["CycleStatus", "Evaluation", "EvaluationSplit", "RetrainingCycle", "RunStatus", "TrainingRun",
           "TrainingSettings"]  # fmt: skip
