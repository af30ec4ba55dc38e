"""Two tabs saving the same read at once: the read row lock serialises them, the stale one gets a conflict."""

import threading
import time
from typing import Any

import pytest
from django.db import connection, transaction

from annotations.models import Region, Role
from annotations.services.assignment import read_assign
from annotations.services.reads import ReadConflict, read_lock_for_write
from annotations.services.regions import region_add, region_update
from tests.factories import CaseFactory, MosaicFactory, ProjectFactory, member

from .conftest import square


@pytest.mark.django_db(transaction=True)
def test_second_tab_waits_for_the_first_and_then_gets_a_conflict() -> None:
    project = ProjectFactory()
    reader = member(project, Role.READER)
    [read] = read_assign(mosaic=MosaicFactory(case=CaseFactory(project=project)), readers=[reader], by=None)
    region = region_add(read=read, by=reader, label="clefting", geometry=square(0, 0, 100), read_version=1).created[0]
    first_holds_lock = threading.Event()
    outcome: dict[str, Any] = {}

    def second_tab() -> None:
        first_holds_lock.wait()
        try:
            # Both tabs loaded the read at version 2.
            region_update(
                region=Region.objects.get(pk=region.pk), by=reader, version=1, label="dark_shadows", read_version=2
            )
            outcome["second"] = "saved"
        except ReadConflict as conflict:
            outcome["second"] = conflict.current
        finally:
            outcome["second_done"] = time.monotonic()
            connection.close()

    thread = threading.Thread(target=second_tab)
    thread.start()
    with transaction.atomic():
        read_lock_for_write(read=read, by=reader, read_version=2)
        first_holds_lock.set()
        time.sleep(0.5)  # the second tab is now blocked on the read row
        assert "second_done" not in outcome
        region_update(region=region, by=reader, version=1, label="pagetoid_spread", read_version=2)
        committed = time.monotonic()
    thread.join(timeout=30)
    assert outcome["second_done"] >= committed
    # Its read version is stale now: the conflict names the current one (the read check comes first).
    assert outcome["second"] == {"read_version": 3}
    assert Region.objects.get(pk=region.pk).label == "pagetoid_spread"
