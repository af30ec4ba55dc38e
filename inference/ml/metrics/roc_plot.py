"""ROC curves as PNG images (matplotlib's Agg canvas, no pyplot: no global state in a worker)."""

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from sklearn.metrics import roc_auc_score, roc_curve

from inference.ml.metrics.measures import sensitivity_specificity


def roc_png(
    labels: np.ndarray,
    scores: np.ndarray,
    *,
    title: str,
    threshold: float | None = None,
    size_in: float = 4.5,
    dpi: int = 100,
) -> bytes:
    """The ROC of ``scores`` against binary ``labels`` with its AUROC, the threshold's operating point marked."""
    labels = np.asarray(labels).astype(bool)
    scores = np.nan_to_num(np.asarray(scores, dtype=np.float64), nan=0.0)
    figure = Figure(figsize=(size_in, size_in), dpi=dpi)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.plot([0, 1], [0, 1], linestyle=":", color="0.6", linewidth=1)
    if labels.any() and not labels.all():
        fpr, tpr, _ = roc_curve(labels, scores)
        axes.plot(fpr, tpr, color="C0", linewidth=2, label=f"AUROC {roc_auc_score(labels, scores):.3f}")
        if threshold is not None:
            sens, spec = sensitivity_specificity(labels, scores, threshold)
            axes.plot([1 - spec], [sens], "o", color="C3", label=f"t = {threshold:g}: sens {sens:.2f}, spec {spec:.2f}")
        axes.legend(loc="lower right", fontsize=8)
    else:
        axes.text(0.5, 0.5, "one class only: no ROC", ha="center", va="center")
    axes.set(xlim=(0, 1), ylim=(0, 1), xlabel="1 − specificity", ylabel="sensitivity", title=title, aspect="equal")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
