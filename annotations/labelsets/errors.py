"""The one error label import raises: a reason a person can act on, for one file."""


class LabelImportError(Exception):
    """A label file cannot become regions; ``str(error)`` says why and what to do."""
