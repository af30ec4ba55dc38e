"""The permission matrix, proven: every row of ``annotations.access_matrix.MATRIX`` for every caller.

One fixture world (``tests/access_world.py``) is built per module inside an outer
transaction; each generated test requests one row's URL as one kind of caller in a
savepoint that is rolled back, so writes that succeed leave the world as it was.
A refusal (404, 400, or the anonymous 401/403) must carry nothing of the resource:
no code, patient code, username, file name, nor the object's id. Listings are
checked both ways (the target is in it, or nothing of it is).

``test_every_url_has_a_row`` walks Django's URL resolver: a URL pattern without a
row fails the suite.
"""

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from annotations.access_matrix import MATRIX, NAMESPACES_COVERED, Caller, Outcome, Row, route_audience
from annotations.models import Read
from tests.access_world import PASSWORD, World, square, tiny_tiff, world_fixture  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

# --- URLs ------------------------------------------------------------------------------------


def _patterns(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, str]]:
    """(full pattern, name, namespace) of every URL the project answers."""
    for entry in resolver.url_patterns:
        text = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, text, entry.namespace or namespace)
        elif isinstance(entry, URLPattern):
            yield text, entry.name or "", namespace


def _is_api(pattern: str) -> bool:
    return pattern.lstrip("^").startswith("api/")


def _kwargs(world: World, row: Row) -> dict[str, Any]:
    target = world.targets[row.target]
    read = world.read_of(row.target)
    values: dict[str, Any] = {
        "slug": world.project.slug, "case_id": world.case.pk, "mosaic_id": world.mosaic_of(row.target).pk,
        "read_id": read.pk if read else 0, "region_id": getattr(target, "pk", 0), "number": 1,
        "labelset_id": getattr(target, "pk", 0), "path": world.targets["labelset.file"],
        "upload_id": getattr(target, "pk", 0), "level": 8, "col": 0, "row": 0, "fmt": "jpeg",
        "grant_user": 1, "grant_tag": "t", "grant_expires": 1, "grant_signature": "s",
        "suggestion_id": world.suggestion_of(row.target).pk, "model_id": getattr(target, "pk", 0),
        "run_id": getattr(target, "pk", 0), "evaluation_id": getattr(target, "pk", 0), "curve": "tile",
        "pk": {"center-detail": world.center.pk, "case-detail": world.case.pk, "mosaic-detail": world.mosaic.pk}.get(
            row.route, 0),
    }  # fmt: skip
    return values


def url_of(world: World, row: Row) -> str:
    urlconf = "annotations.urls" if row.page else "annotations.api.urls"
    prefix = "" if row.page else "/api"
    for conf, pre in ((urlconf, prefix), (None, "")):
        possibilities = get_resolver(conf).reverse_dict.getlist(row.route.split(":")[-1]) if ":" not in row.route \
            else [None]  # fmt: skip
        for possibility in possibilities:
            names = possibility[0][0][1] if possibility else []
            if "format" in names:
                continue
            kwargs = {name: value for name, value in _kwargs(world, row).items() if name in names}
            try:
                path = reverse(row.route, urlconf=conf, kwargs=kwargs)
            except Exception:  # noqa: BLE001 - try the next urlconf
                continue
            return pre + path + (f"?{row.query}" if row.query else "")
    raise AssertionError(f"no URL for {row.key}")


# --- requests --------------------------------------------------------------------------------


def _version(world: World, target: str) -> int:
    read = world.read_of(target)
    return Read.objects.get(pk=read.pk).version if read else 1


def request_for(world: World, row: Row, caller: Caller) -> dict[str, Any]:
    """The body (and headers) a legitimate client sends for this row: valid, so allowed means 2xx."""
    version = _version(world, row.target)
    target = world.targets[row.target]
    unassigned = world.username(Caller.READER_UNASSIGNED)
    bodies: dict[tuple[str, str], Any] = {
        ("api-token", "POST"): {"username": world.username(caller) or world.username(Caller.READER),
                                "password": PASSWORD},  # fmt: skip
        ("center-list", "POST"): {"code": "MXNEWC", "name": "New center"},
        ("center-detail", "PATCH"): {"name": "Renamed center"},
        ("project-detail", "PATCH"): {"description": "changed"},
        ("case-list", "POST"): {"project": world.project.slug, "center": world.center.code, "code": "MXNEWCASE",
                                "patient_code": "MXNEWPT"},  # fmt: skip
        ("case-detail", "PATCH"): {"histopathology_confirmed": False},
        ("case-upload-create", "POST"): {"filename": "more.tif", "size": 10},
        ("upload-complete", "POST"): {},
        ("mosaic-assign", "POST"): {"readers": [unassigned]},
        ("read-detail", "PATCH"): {"note": "a note", "read_version": version},
        ("read-regions", "POST"): {"label": "atypical_honeycomb", "geometry": square(300, 200, 40),
                                   "read_version": version},  # fmt: skip
        ("read-erase", "POST"): {"geometry": square(0, 0, 30), "read_version": version},
        ("read-submit", "POST"): {"confirm_low_coverage": True, "read_version": version},
        ("read-restore", "POST"): {"read_version": version},
        ("read-geojson", "PUT"): {"type": "FeatureCollection", "read_version": version, "features": [
            {"type": "Feature", "geometry": square(50, 50, 40), "properties": {"label": "atypical_honeycomb"}}]},
        ("read-coverage", "POST"): {"viewports": [[0, 0, 100, 100]]},
        ("region-detail", "PATCH"): {"version": getattr(target, "version", 1), "label": "atypical_cobblestone",
                                     "read_version": version},  # fmt: skip
        ("project-agreement", "POST"): {},
        ("project-assignment", "POST"): {"mosaics": "all", "auto": True},
        ("project-labelsets", "POST"): {"policy": "union"},
        ("mosaic-consensus", "POST"): {},
        ("mosaic-third-reader", "POST"): {"reader": unassigned},
        ("read-suggestion-accept", "POST"): {"read_version": version},
        ("read-suggestion-edit", "POST"): {"geometry": square(100, 100, 50), "read_version": version},
        ("read-suggestion-reject", "POST"): {"read_version": version},
        ("read-suggestions-area", "POST"): {"action": "reject", "geometry": square(0, 0, 400), "read_version": version},
        ("mosaic-predictions", "POST"): {},
        ("project-preannotate", "POST"): {},
        ("project-training-runs", "POST"): {"labelset": world.targets["labelset"].version, "arch": "resnet18",
                                            "tile_size": 16},  # small tiles: the world's regions are small
        ("project-retraining", "PUT"): {"min_new_reads": 5},
        ("model-promote", "POST"): {"reason": "promoted by hand"},
        ("model-promote-form", "POST"): {"reason": "promoted by hand"},
        ("read-adjudication", "POST"): {"component": 1, "choice": "reject", "reason": "not a lesion",
                                        "read_version": version},  # fmt: skip
    }
    if (row.route, row.method) == ("case-mosaic-upload", "POST"):
        from django.core.files.uploadedfile import SimpleUploadedFile

        return {"data": {"file": SimpleUploadedFile("mx-new.tif", tiny_tiff(), "image/tiff")}}
    if (row.route, row.method) == ("upload-detail", "PUT"):
        return {"data": b"0123456789", "content_type": "application/octet-stream", "QUERY_STRING": "offset=0"}
    if (row.route, row.method) == ("region-detail", "DELETE"):
        return {"QUERY_STRING": f"version={getattr(target, 'version', 1)}&read_version={version}"}
    if row.route == "mosaic-region":
        return {"QUERY_STRING": "left=0&top=0&width=64&height=64"}
    body = bodies.get((row.route, row.method))
    if body is None:
        return {}
    if row.page or row.route == "api-token":
        return {"data": body}
    return {"data": body, "content_type": "application/json"}


def client_for(world: World, caller: Caller) -> Client:
    client = Client()
    user = world.users.get(caller)
    if user is not None:
        client.force_login(user)
    return client


# --- what the answer must be ----------------------------------------------------------------


def _markers(world: World, row: Row) -> list[str]:
    """Regexes that find the target in a body."""
    target = world.targets[row.target]
    if row.target == "case.reference":
        return [re.escape(world.case.patient_code)]
    if row.target == "case":
        return [re.escape(world.case.code)]
    if row.target == "mosaic.file":
        return [re.escape(world.mosaic.original_filename), '"checksum": "[0-9a-f]+']
    if row.target in ("project", "center"):
        return [re.escape(target.slug if row.target == "project" else target.code)]
    pk = getattr(target, "pk", None)
    if pk is None:
        return []
    return [rf'"id":\s*{pk}\b', rf"/reads/{pk}/"] if row.target.startswith("read") else [rf'"id":\s*{pk}\b']


def _leaks(world: World, row: Row, caller: Caller, body: str) -> list[str]:
    own = world.username(caller)
    found = [secret for secret in world.secrets if secret in body and secret != own]
    found += [marker for marker in _markers(world, row) if re.search(marker, body)]
    target = world.targets[row.target]
    if getattr(target, "pk", None) is not None and row.target not in ("project", "center"):
        found += [f"id {target.pk}"] if re.search(rf"\b{target.pk}\b", body) else []
    return found


def check(world: World, row: Row, caller: Caller, response: Any) -> None:
    outcome = row.outcomes[caller]
    body = response.content.decode(errors="replace") if not getattr(response, "streaming", False) else ""
    status = response.status_code
    where = f"{row.key} as {caller}: {status} {body[:300]!r}"
    if outcome == Outcome.ALLOW:
        assert (status == row.status) if row.status else (200 <= status < 300), where
    elif outcome in (Outcome.LISTED, Outcome.UNLISTED):
        assert status == 200, where
        present = [marker for marker in _markers(world, row) if re.search(marker, body)]
        if outcome == Outcome.LISTED:
            assert present, f"target missing from the listing: {where}"
        else:
            assert not present, f"target listed: {where}"
    elif outcome == Outcome.FORBIDDEN:
        assert status == 403, where
        if not row.page:  # the reason, and nothing of the resource (e.g. no run nor suggestion of a hidden AI layer)
            assert set(json.loads(body)) == {"detail"}, where
    elif outcome == Outcome.CONFLICT:
        assert status == 409, where
    elif outcome in (Outcome.NOT_FOUND, Outcome.INVALID):
        assert status == (404 if outcome == Outcome.NOT_FOUND else 400), where
        assert not _leaks(world, row, caller, body), f"the refusal carries {_leaks(world, row, caller, body)}: {where}"
    elif outcome == Outcome.LOGIN:
        if row.page:
            assert status == 302 and "login/" in response["Location"], where
        else:
            assert status in (401, 403), where
            assert not _leaks(world, row, caller, body), where
    else:  # pragma: no cover - a new outcome needs its check here
        raise AssertionError(outcome)


CASES = [
    pytest.param(row, caller, id=f"{row.key}:{caller}")
    for row in MATRIX
    for caller in Caller
]


@pytest.mark.parametrize(("row", "caller"), CASES)
def test_matrix_row(world: World, row: Row, caller: Caller) -> None:
    if row.target == "upload":
        world.restore_upload()  # the part file is not rolled back with the database
    client = client_for(world, caller)
    url = url_of(world, row)
    options = request_for(world, row, caller)
    query = options.pop("QUERY_STRING", "")
    if query:
        url += ("&" if "?" in url else "?") + query
    response = getattr(client, row.method.lower())(url, **options)
    check(world, row, caller, response)


# --- coverage of the table ---------------------------------------------------------------------


def test_every_url_has_a_row() -> None:
    """Every URL pattern the project answers has a row (a new URL without one fails here)."""
    covered = {(row.route, row.page) for row in MATRIX}
    missing = []
    for pattern, name, namespace in _patterns(get_resolver()):
        if namespace in NAMESPACES_COVERED:
            assert (NAMESPACES_COVERED[namespace], True) in covered
            continue
        if (name, not _is_api(pattern)) not in covered:
            missing.append(f"{pattern} ({name or 'no name'})")
    assert not missing, "URLs without a row in annotations.access_matrix.MATRIX: " + ", ".join(missing)


def test_every_row_names_a_url(world: World) -> None:
    for row in MATRIX:
        assert url_of(world, row)


def test_matrix_permission_refuses_a_route_without_rows() -> None:
    assert route_audience("no-such-route", "GET") is None
    assert route_audience("read-detail", "GET") is not None


def _permission_check(world: World, caller: Caller, path: str, method: str = "GET") -> None:
    """Run ``MatrixPermission`` alone on a request for ``path`` (no view, no selector)."""
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory
    from django.urls import resolve

    from annotations.access_matrix import MatrixPermission

    request = RequestFactory().generic(method, path)
    request.user = world.users.get(caller) or AnonymousUser()
    request.resolver_match = resolve(path)
    view = type("AnyView", (), {"http_method_names": ["get", "post"], "get": None, "post": None})()
    MatrixPermission().has_permission(request, view)


def test_matrix_permission_decides_by_role_before_any_selector(world: World) -> None:
    from rest_framework.exceptions import NotAuthenticated, NotFound

    agreement = f"/api/projects/{world.project.slug}/agreement/"
    _permission_check(world, Caller.LEAD, agreement)  # passes: the selector decides which project
    with pytest.raises(NotFound):
        _permission_check(world, Caller.CONTRIBUTOR, agreement)  # no row lets a contributor in
    with pytest.raises(NotAuthenticated):
        _permission_check(world, Caller.ANONYMOUS, agreement)
    with pytest.raises(NotFound):
        _permission_check(world, Caller.CONTRIBUTOR, f"/api/reads/{world.targets['read.own.open'].pk}/")
    _permission_check(world, Caller.READER, f"/api/reads/{world.targets['read.own.open'].pk}/")
