"""The one error ingest raises: a reason a person can act on."""


class IngestError(Exception):
    """The source cannot become a mosaic; ``str(error)`` says why and what to do."""


class StorageFull(IngestError):
    """The server's storage ran out while writing: the file is not at fault, the operator must act."""
