"""The login page and project list in a real browser."""

from typing import Any

import pytest

from annotations.models import Role
from tests.conftest import log_in
from tests.factories import ProjectFactory, member


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_reader_logs_in_and_sees_only_its_projects(live_server: Any, browser_page: Any) -> None:
    mine, theirs = ProjectFactory(name="Facial lesions"), ProjectFactory(name="Hidden study")
    member(mine, Role.READER, username="reader-b")
    member(theirs, Role.READER, username="someone-else")
    log_in(browser_page, live_server.url, "reader-b")
    text = browser_page.inner_text("main")
    assert "Facial lesions" in text
    assert "Hidden study" not in text
