"""Cohen's κ through scikit-learn, with one stated convention for the degenerate case.

κ compares observed with chance agreement; when both raters put every item in
the same single class, chance agreement is 1 and κ is 0/0 (scikit-learn returns
NaN with a warning). Here that case is reported as **κ = 1** (the raters agree
on every item) together with a note saying so, so that two negative reads do
not crash or vanish from an average. One rater constant and the other not is
not degenerate: the formula gives 0 or less.
"""

import warnings
from collections.abc import Sequence

import numpy as np
from sklearn.metrics import cohen_kappa_score

ONE_CLASS = "every item in one class for both raters: kappa=1 by convention"


def cohen_kappa(first: Sequence[object], second: Sequence[object]) -> tuple[float | None, str | None]:
    """κ of two raters' labels of the same items; None (and why) when there are no items."""
    if len(first) == 0:
        return None, "no items to compare"
    if len(set(first) | set(second)) == 1:
        return 1.0, ONE_CLASS
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        value = float(cohen_kappa_score(list(first), list(second)))
    return (None, "kappa undefined") if np.isnan(value) else (value, None)


def kappa_from_confusion(confusion: np.ndarray) -> tuple[float | None, str | None]:
    """κ of a square confusion matrix (rows: first rater, columns: second) of counts.

    Pooling tiles of many mosaics adds their confusion matrices; scikit-learn
    takes them as the weights of the class pairs.
    """
    confusion = np.asarray(confusion)
    size = confusion.shape[0]
    first, second = np.divmod(np.arange(size * size), size)
    weights = confusion.reshape(-1).astype(float)
    present = weights > 0
    if not present.any():
        return None, "no items to compare"
    if len(set(first[present]) | set(second[present])) == 1:
        return 1.0, ONE_CLASS
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        value = float(
            cohen_kappa_score(first[present], second[present], sample_weight=weights[present], labels=range(size))
        )
    return (None, "kappa undefined") if np.isnan(value) else (value, None)
