"""schemathesis over the OpenAPI schema: no request, valid or not, gets a 5xx (issue 11).

Every operation of ``/api/schema/`` is called with a few generated requests
(schema-valid and schema-violating bodies, queries and path parameters; path
parameters also set to the fixture world's real ids so the requests reach real
objects), as the project's lead and as a reader, each with a token. Requests go
through the WSGI application in this process (each in a savepoint that is rolled
back, so the world stays as it was); the only check is that no answer is a 5xx.

Bounded on purpose: ``MAX_EXAMPLES`` per operation and mode, derandomized so a run
is reproducible (a failure prints the request to replay). Simplification: a
server error is reported with its request, not shrunk to the smallest one.
"""

from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode

from annotations.access_matrix import Caller
from tests.access_world import World, world_fixture  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 2


def _real_parameters(world: World, names: list[str]) -> dict[str, Any]:
    known = {
        "slug": world.project.slug, "case_id": world.case.pk, "mosaic_id": world.mosaic.pk,
        "read_id": world.targets["read.own.open"].pk, "region_id": world.targets["region.own.open"].pk,
        "labelset_id": world.targets["labelset"].pk, "upload_id": str(world.targets["upload"].pk), "number": 1,
        "id": world.case.pk, "model_id": world.targets["model"].pk, "run_id": world.targets["run.training"].pk,
        "suggestion_id": world.suggestion_of("read.own.open").pk,
    }  # fmt: skip
    return {name: known[name] for name in names if name in known}


@pytest.fixture
def in_process_requests() -> Any:
    """Requests through the WSGI app in this test's transaction (as Django's test client does it)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.parametrize("caller", [Caller.LEAD, Caller.READER])
def test_no_request_gets_a_server_error(world: World, caller: Caller, in_process_requests: Any) -> None:
    app = in_process_requests
    schema = schemathesis.openapi.from_wsgi("/api/schema/", app)
    token, _ = Token.objects.get_or_create(user=world.users[caller])
    headers = {"Authorization": f"Token {token.key}"}
    server_errors: list[str] = []

    for result in schema.get_all_operations():
        operation = result.ok()
        names = [parameter.name for parameter in operation.path_parameters]
        real = _real_parameters(world, names)
        strategies = [operation.as_strategy(generation_mode=mode) for mode in GenerationMode]
        if names and len(real) == len(names):
            strategies += [operation.as_strategy(generation_mode=mode, path_parameters=real) for mode in GenerationMode]

        @given(case=st.one_of(strategies))
        @settings(max_examples=MAX_EXAMPLES * len(strategies), derandomize=True, deadline=None, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))  # fmt: skip
        def call(case: Any) -> None:
            with transaction.atomic():
                response = case.call(headers=headers)
                transaction.set_rollback(True)
            if response.status_code >= 500:
                server_errors.append(f"{response.status_code} {case.method} {case.formatted_path} "
                                     f"query={case.query} body={str(case.body)[:200]}")  # fmt: skip

        call()

    assert not server_errors, "server errors:\n" + "\n".join(server_errors)
