"""A throwaway database for a benchmark run, the way the test suite makes one."""

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test.utils import setup_test_environment

from tests.run_resources import drop_run_keys


@contextmanager
def throwaway_database() -> Iterator[None]:
    """Create this run's test database; drop it, the run's Redis keys and its media folder afterwards."""
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        drop_run_keys()
        if Path(settings.MEDIA_ROOT).name == settings.RUN_ID:  # this run's own folder (config.settings.test)
            shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
