"""Fixtures of the hostile-input tests: the reading area's blind-reading project, the ingest area's case."""

from tests.annotations.ingest.conftest import study  # noqa: F401 - re-exported fixture
from tests.annotations.reading.conftest import reading  # noqa: F401 - re-exported fixture
