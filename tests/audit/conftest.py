"""The reading tests' world (a blind-reading project, two readers) for the audit tests."""

from tests.annotations.reading.conftest import reading  # noqa: F401 - a fixture
