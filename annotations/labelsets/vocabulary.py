"""Feature labels by any of their names, against the label list the caller passes in.

The platform's labels live in ``annotations.vocabulary`` (Django ``TextChoices``);
this package stays Django-free, so callers pass them as ``known_labels``
(value -> display name, e.g. ``dict(FeatureLabel.choices)``).
"""

from collections.abc import Mapping

from .errors import LabelImportError


def _key(text: str) -> str:
    return " ".join(text.strip().lower().replace("_", " ").replace("-", " ").split())


def resolve_feature(name: str, known_labels: Mapping[str, str], *, where: str) -> str:
    """The label value named by ``name`` (its value or display name, any case); LabelImportError if none."""
    wanted = _key(name)
    for value, display in known_labels.items():
        if wanted in (_key(value), _key(display)):
            return value
    raise LabelImportError(
        f"{where}: {name!r} is not a feature label of this platform; use one of {', '.join(known_labels)}"
    )
