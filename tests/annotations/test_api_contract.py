"""Real responses match ``/api/schema/``: the schema is the API's contract.

A reader, a peer and a lead go through every operation of the reading API (and
the other areas' main ones, tiles included); every response's status and content
type must be declared for its operation, and its JSON body must validate against
the declared schema, made strict: an object may carry no key its schema does not
name, and must carry every key it marks required. Every reading operation the
schema lists must have been exercised. The module also runs on SQLite
(``tests/test_make_run_profile.py``), where the viewport JSON comes from Python.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jsonschema
import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from annotations.models import Role
from annotations.tiles.grants import forget_grants
from annotations.tiles.source import forget_open_sources
from tests.factories import CaseFactory, CenterFactory, MosaicFactory, ProjectFactory, member
from tests.mosaic_builders import ready_mosaic, textured_gray
from tests.workspace_client import WorkspaceClient

from .reading.conftest import square

# --- the schema, as strict JSON Schema --------------------------------------------------


def strict(node: Any) -> Any:
    """OpenAPI 3.0 schema objects as JSON Schema 2020-12, with undeclared object keys refused."""
    if isinstance(node, list):
        return [strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: strict(value) for key, value in node.items() if key not in ("nullable", "discriminator")}
    if "properties" in converted and "additionalProperties" not in converted:
        converted["additionalProperties"] = False
    if converted.get("exclusiveMinimum") is True:
        converted["exclusiveMinimum"] = converted.pop("minimum")
    if node.get("nullable"):
        if "type" in converted and "enum" not in converted:
            converted["type"] = [converted["type"], "null"]
        else:
            converted = {"anyOf": [converted, {"type": "null"}]}
    return converted


@dataclass
class Contract:
    schema: dict[str, Any]
    components: dict[str, Any]
    templates: list[tuple[re.Pattern[str], str]]
    checked: set[tuple[str, str]] = field(default_factory=set)

    def operation(self, method: str, path: str) -> tuple[str, dict[str, Any]]:
        for pattern, template in self.templates:
            if pattern.fullmatch(path):
                operations = self.schema["paths"][template]
                assert method in operations, f"{method.upper()} {template} is not in the schema"
                return template, operations[method]
        raise AssertionError(f"{path} is not in the schema")

    def check(self, method: str, path: str, response: Any) -> Any:
        """Assert that ``response`` is one the schema declares for this operation; return its JSON."""
        template, operation = self.operation(method, path)
        self.checked.add((method, template))
        declared = operation["responses"].get(str(response.status_code))
        assert declared is not None, f"{method.upper()} {template} answered an undeclared {response.status_code}"
        content_type = response.get("Content-Type", "").split(";")[0]
        if "content" not in declared:
            assert not response.content, f"{method.upper()} {template} {response.status_code} has an undeclared body"
            return None
        assert content_type in declared["content"], f"{method.upper()} {template}: {content_type} not declared"
        if not content_type.endswith("json"):
            return b"".join(response.streaming_content) if response.streaming else response.content
        body = json.loads(response.content)
        schema = {**strict(declared["content"][content_type]["schema"]), "components": self.components}
        errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(body), key=str)
        assert not errors, f"{method.upper()} {template} {response.status_code}: " + "; ".join(
            f"{list(error.absolute_path)}: {error.message}" for error in errors[:5]
        )
        return body


@pytest.fixture
def contract(db: None) -> Contract:
    schema = Client().get("/api/schema/", {"format": "json"}).json()
    templates = [
        # A ``{path}`` parameter (a label set's file) spans folders; every other one is a single segment.
        (re.compile(re.sub(r"\\{(\w+)\\}", lambda m: ".+" if m.group(1) == "path" else "[^/]+", re.escape(template))),
         template)
        for template in schema["paths"]
    ]
    return Contract(schema, {"schemas": strict(schema["components"]["schemas"])}, templates)


class Caller:
    """An API client whose every response is checked against the contract."""

    def __init__(self, contract: Contract, user: Any) -> None:
        self.contract = contract
        # Writes to reads name the read's version as the workspace does (tests.workspace_client).
        self.client = WorkspaceClient()
        self.client.force_login(user)

    def __getattr__(self, method: str) -> Callable[..., Any]:
        def call(path: str, data: Any = None, *, expect: int) -> Any:
            body = {} if method in ("get", "delete") else {"format": "json"}
            response = getattr(self.client, method)(path, data, **body)
            assert response.status_code == expect, (method, path, response.status_code, response.content[:400])
            return self.contract.check(method, path.split("?")[0], response)

        return call


def _untyped(schema: dict[str, Any]) -> bool:
    """An object schema that names nothing: no reference, no properties, any values."""
    if schema.get("type", "object") != "object" or "enum" in schema:
        return False
    if any(key in schema for key in ("$ref", "properties", "oneOf", "anyOf", "allOf", "format")):
        return False
    return schema.get("additionalProperties", True) in (True, {})


def test_no_operation_answers_an_untyped_object(contract: Contract) -> None:
    """Every JSON body is a named component or a described shape (``object`` alone tells a client nothing)."""
    untyped = []
    for template, operations in contract.schema["paths"].items():
        for method, operation in operations.items():
            assert operation["responses"], (method, template)
            for status, response in operation["responses"].items():
                for content_type, content in response.get("content", {}).items():
                    if _untyped(content["schema"]):
                        untyped.append((method, template, status, content_type))
    assert not untyped


# --- the reading API, every operation -----------------------------------------------------


def _reading_operations(contract: Contract) -> set[tuple[str, str]]:
    """The schema's operations served by the reading API's views."""
    found = set()
    for template, operations in contract.schema["paths"].items():
        try:
            view = resolve(re.sub(r"\{\w+\}", "1", template)).func
        except Resolver404:  # a path with a UUID parameter (uploads): not the reading API
            continue
        if getattr(getattr(view, "cls", None), "__module__", "") == "annotations.api.reading":
            found |= {(method, template) for method in operations}
    return found


def test_every_reading_response_matches_the_schema(contract: Contract) -> None:
    center = CenterFactory()
    project = ProjectFactory(blind_reading=True)
    mosaic = MosaicFactory(case=CaseFactory(project=project, center=center))
    second = MosaicFactory(case=CaseFactory(project=project, center=center))
    lead_user = member(project, Role.LEAD, username="lead")
    reader_a, reader_b = member(project, Role.READER, username="reader_a"), member(project, Role.READER)
    lead, a, b = Caller(contract, lead_user), Caller(contract, reader_a), Caller(contract, reader_b)

    vocabulary = a.get("/api/vocabulary/", expect=200)
    assert "clefting" in {label["value"] for label in vocabulary["labels"]}
    [read_a] = lead.post(f"/api/mosaics/{mosaic.pk}/assign/", {"readers": ["reader_a"]}, expect=201)
    lead.post(f"/api/mosaics/{mosaic.pk}/assign/", {"readers": ["reader_a"]}, expect=400)
    [read_b] = lead.post(f"/api/mosaics/{mosaic.pk}/assign/", {"readers": [reader_b.username]}, expect=201)
    lead.post(f"/api/mosaics/{second.pk}/assign/", {"auto": True}, expect=201)
    assert len(lead.get(f"/api/mosaics/{mosaic.pk}/reads/", expect=200)) == 2
    assert len(a.get(f"/api/mosaics/{mosaic.pk}/reads/", expect=200)) == 1  # blind
    assert a.get("/api/reads/", expect=200)["count"] == 2
    assert lead.get("/api/reads/?all=1&status=assigned", expect=200)["count"] == 4
    read_url = f"/api/reads/{read_a['id']}"
    assert b.get(f"{read_url}/", expect=404)["detail"]
    b.get(f"{read_url}/regions/", expect=404)

    # Drawing, erasing, editing: write results, regions, conflicts.
    written = a.post(f"{read_url}/regions/", {"label": "clefting", "geometry": square(100, 100, 300)}, expect=201)
    region = written["created"][0]
    a.post(f"{read_url}/regions/", {"label": "clefting", "geometry": square(350, 350, 100)}, expect=201)
    a.post(f"{read_url}/regions/", {"label": "clefting", "geometry": square(900, 900, 50)}, expect=201)
    a.post(f"{read_url}/regions/", {"label": "nope", "geometry": square(0, 0, 5)}, expect=400)
    erased = a.post(f"{read_url}/erase/", {"geometry": square(200, 90, 20)}, expect=200)
    assert erased["updated"] and erased["updated"][0]["geometry"]["type"] == "Polygon"
    split = a.post(f"{read_url}/erase/", {"geometry": {"type": "Polygon", "coordinates": [
        [[150, 0], [160, 0], [160, 600], [150, 600], [150, 0]]]}}, expect=200)  # fmt: skip
    assert split["updated"][0]["geometry"]["type"] == "MultiPolygon"
    a.post(f"{read_url}/regions/", {"label": "clefting", "geometry": square(0, 0, 5), "read_version": 1}, expect=409)
    for query in ("", "?bbox=0,0,500,500", "?bbox=0,0,2000,1500&simplify=4", "?min_area=10000"):
        listed = a.get(f"{read_url}/regions/{query}", expect=200)
        assert listed["results"], query
    fetched = a.get(f"/api/regions/{region['id']}/", expect=200)
    b.get(f"/api/regions/{region['id']}/", expect=404)
    patched = a.patch(f"/api/regions/{region['id']}/", {"version": fetched["version"], "label": "dark_shadows"},
                      expect=200)  # fmt: skip
    conflict = a.patch(
        f"/api/regions/{region['id']}/", {"version": fetched["version"], "label": "clefting"}, expect=409
    )
    assert conflict["version"] == patched["version"]
    small = a.get(f"{read_url}/regions/?bbox=890,890,960,960", expect=200)["results"][0]
    a.delete(f"/api/regions/{small['id']}/?version={small['version'] + 5}", expect=409)
    a.delete(f"/api/regions/{small['id']}/?version={small['version']}", expect=204)
    a.patch(f"{read_url}/", {"note": "seen", "diagnosis": "actinic_keratosis", "confidence": 4}, expect=200)
    a.patch(f"{read_url}/", {"note": "stale", "read_version": 1}, expect=409)
    a.patch(f"{read_url}/", {"confidence": 9}, expect=400)

    # History, a revision, restore; GeoJSON out and in.
    history = a.get(f"{read_url}/history/", expect=200)
    assert history[-1]["action"] == "assign" and history[0]["created_by"] == "reader_a"
    revision = a.get(f"{read_url}/history/4/", expect=200)
    assert revision["snapshot"]["regions"]
    a.get(f"{read_url}/history/999/", expect=404)
    version = a.get(f"{read_url}/", expect=200)["version"]
    a.post(f"{read_url}/history/4/restore/", {"read_version": version}, expect=200)
    exported = a.get(f"{read_url}/geojson", expect=200)
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": feature["geometry"], "properties": {"label": feature["properties"]["label"]}}
        for feature in exported["features"]]}  # fmt: skip
    assert a.put(f"{read_url}/geojson", collection, expect=200)["count"] == len(exported["features"])
    a.put(f"{read_url}/geojson", {"type": "FeatureCollection", "features": [{"type": "Feature"}]}, expect=400)

    # Submit both; then the peer sees the read, without the reader's name.
    a.patch(f"{read_url}/", {"diagnosis": "actinic_keratosis"}, expect=200)  # the restore took it back
    a.post(f"{read_url}/submit/", {}, expect=200)
    a.post(f"{read_url}/regions/", {"label": "clefting", "geometry": square(0, 0, 5)}, expect=409)
    b.post(f"/api/reads/{read_b['id']}/submit/", {}, expect=400)  # no diagnosis yet
    b.patch(f"/api/reads/{read_b['id']}/", {"diagnosis": "actinic_keratosis", "no_suspicious_area": True}, expect=200)
    b.post(f"/api/reads/{read_b['id']}/submit/", {}, expect=200)
    assert b.get(f"{read_url}/", expect=200)["reader"] is None
    assert lead.get(f"{read_url}/", expect=200)["reader"] == "reader_a"

    missing = _reading_operations(contract) - contract.checked
    assert not missing, f"reading operations never exercised: {sorted(missing)}"


# --- the other areas ----------------------------------------------------------------------------


def test_projects_cases_mosaics_uploads_and_tiles_match_the_schema(contract: Contract) -> None:
    center = CenterFactory(code="NAP")
    project = ProjectFactory(slug="face")
    project.centers.add(center)
    case = CaseFactory(project=project, center=center)
    mosaic = ready_mosaic(textured_gray(600, 400), case=case)
    not_ready = MosaicFactory(case=case, status="processing")
    lead = Caller(contract, member(project, Role.LEAD))
    api = Caller(contract, member(project, Role.ADMIN))

    api.get("/api/projects/", expect=200)
    assert api.get("/api/projects/face/", expect=200)["my_role"] == "admin"
    api.patch("/api/projects/face/", {"readers_per_mosaic": 3}, expect=200)
    api.get("/api/centers/", expect=200)
    api.get(f"/api/centers/{center.pk}/", expect=200)
    api.get("/api/cases/", expect=200)
    created = api.post("/api/cases/", {"project": "face", "center": "NAP", "code": "C2", "patient_code": "P2"},
                       expect=201)  # fmt: skip
    api.patch(f"/api/cases/{created['id']}/", {"site": "nose"}, expect=200)
    api.get(f"/api/cases/{created['id']}/", expect=200)
    api.delete(f"/api/cases/{created['id']}/", expect=204)
    api.get("/api/mosaics/", expect=200)
    api.get(f"/api/mosaics/{mosaic.pk}/", expect=200)
    upload = api.post(f"/api/cases/{case.pk}/uploads/", {"filename": "m.tif", "size": 10}, expect=201)
    api.get(f"/api/uploads/{upload['id']}/", expect=200)
    api.delete(f"/api/uploads/{upload['id']}/", expect=200)

    forget_grants()  # ids repeat on SQLite: no access decision or open pyramid from an earlier test
    forget_open_sources()
    base = f"/api/mosaics/{mosaic.pk}"
    assert lead.get(f"{base}/dzi.dzi", expect=200).startswith(b"<?xml")
    lead.get(f"{base}/dzi_files/9/0_0.jpeg", expect=200)
    lead.get(f"{base}/dzi_files/9/0_0.png", expect=200)
    lead.get(f"{base}/dzi_files/9/40_0.jpeg", expect=404)
    lead.get(f"{base}/thumbnail?size=64", expect=200)
    lead.get(f"{base}/thumbnail?size=5000", expect=400)
    lead.get(f"{base}/region?left=0&top=0&width=100&height=100&scale=0.5&format=jpeg", expect=200)
    lead.get(f"{base}/region?left=0&top=0&width=100", expect=400)
    lead.get(f"/api/mosaics/{not_ready.pk}/dzi.dzi", expect=409)


# --- the lead's areas (issue 8): agreement, adjudication, label sets, dashboard, coverage ----------

LEAD_MODULES = {f"annotations.api.{name}" for name in ("agreement", "adjudication", "coverage", "dashboard",
                                                        "labelsets")}  # fmt: skip


def _lead_operations(contract: Contract) -> set[tuple[str, str]]:
    found = set()
    for template, operations in contract.schema["paths"].items():
        try:
            view = resolve(re.sub(r"\{\w+\}", "1", template).replace("{path}", "x")).func
        except Resolver404:
            continue
        if getattr(getattr(view, "cls", None), "__module__", "") in LEAD_MODULES:
            found |= {(method, template) for method in operations}
    return found


def test_every_lead_response_matches_the_schema(contract: Contract) -> None:
    from annotations.services.agreement import project_agreement_refresh
    from annotations.services.labelsets import labelset_build

    center = CenterFactory(code="ROM")
    project = ProjectFactory(slug="lead-contract", blind_reading=True)
    mosaic = MosaicFactory(case=CaseFactory(project=project, center=center), original_filename="lesion-1.tif")
    other = MosaicFactory(case=CaseFactory(project=project, center=center))
    lead = Caller(contract, member(project, Role.LEAD, username="lead8"))
    names = ["r8a", "r8b", "r8c"]
    a, b, c = (Caller(contract, member(project, Role.READER, username=name)) for name in names)

    overview = lead.get(f"/api/projects/{project.slug}/assignment/?limit=10", expect=200)
    assert {item["id"] for item in overview["mosaics"]} == {mosaic.pk, other.pk}
    lead.post(f"/api/projects/{project.slug}/assignment/", {"mosaics": [mosaic.pk]}, expect=400)  # no readers
    done = lead.post(f"/api/projects/{project.slug}/assignment/", {"mosaics": [mosaic.pk, 99999],
                                                                   "readers": names[:2]}, expect=200)  # fmt: skip
    assert done["assigned"][0]["readers"] == names[:2] and done["failed"][0]["mosaic"] == 99999
    lead.post(f"/api/projects/{project.slug}/assignment/", {"mosaics": "all", "auto": True}, expect=200)
    reads = {read["reader"]: read["id"] for read in lead.get(f"/api/mosaics/{mosaic.pk}/reads/", expect=200)}

    def read_and_submit(caller: Caller, read_id: int, x: int) -> None:
        caller.post(f"/api/reads/{read_id}/coverage/", {"viewports": [[0, 0, 1000, 1500]]}, expect=200)
        caller.post(f"/api/reads/{read_id}/coverage/", {"cells": "not base64!"}, expect=400)
        caller.post(f"/api/reads/{read_id}/regions/", {"label": "clefting", "geometry": square(x, 100, 400)}, expect=201)
        caller.patch(f"/api/reads/{read_id}/", {"diagnosis": "basal_cell_carcinoma"}, expect=200)
        caller.post(f"/api/reads/{read_id}/submit/", {}, expect=200)

    assert a.get(f"/api/reads/{reads['r8a']}/coverage/", expect=200)["viewed_fraction"] == 0
    read_and_submit(a, reads["r8a"], 100)
    read_and_submit(b, reads["r8b"], 300)
    lead.get(f"/api/projects/{project.slug}/agreement/", expect=200)
    project_agreement_refresh(project_id=project.pk)
    report = lead.get(f"/api/projects/{project.slug}/agreement/?order=dice&limit=5", expect=200)
    assert report["mosaics"][0]["dice"] == 0.5 and not report["aggregates_stale"]
    lead.get(f"/api/projects/{project.slug}/agreement/?order=nope", expect=400)
    assert lead.post(f"/api/projects/{project.slug}/agreement/", {}, expect=202)["mosaics_due"] == 1
    detail = lead.get(f"/api/mosaics/{mosaic.pk}/agreement/", expect=200)
    assert {f["properties"]["kind"] for f in detail["disagreement"]["map"]["features"]} == {"both", "only_a", "only_b"}
    lead.get(f"/api/mosaics/{mosaic.pk}/agreement/?a={reads['r8a']}", expect=400)
    a.get(f"/api/mosaics/{mosaic.pk}/agreement/", expect=404)
    a.get(f"/api/projects/{project.slug}/agreement/", expect=404)

    # A third reader, then a consensus from the majority, one decision, the consensus submitted.
    lead.post(f"/api/mosaics/{mosaic.pk}/consensus/", {"start": "majority"}, expect=400)  # two reads only
    third = lead.post(f"/api/mosaics/{mosaic.pk}/third-reader/", {"reader": "r8c"}, expect=201)
    lead.post(f"/api/mosaics/{mosaic.pk}/third-reader/", {"reader": "r8c"}, expect=400)
    lead.post(f"/api/mosaics/{mosaic.pk}/consensus/", {}, expect=400)  # the third read is open
    read_and_submit(c, third["id"], 200)
    consensus = lead.post(f"/api/mosaics/{mosaic.pk}/consensus/", {"start": "majority"}, expect=201)
    assert consensus["kind"] == "consensus"
    url = f"/api/reads/{consensus['id']}/adjudication/"
    adjudication = lead.get(url, expect=200)
    assert adjudication["open"] == len(adjudication["components"]) > 0
    decided = lead.post(url, {"component": 1, "choice": "accept_a", "reason": "A is right",
                              "read_version": adjudication["read_version"]}, expect=201)  # fmt: skip
    assert decided["components"][0]["status"] == "accept_a"
    lead.post(url, {"component": 1, "choice": "reject", "reason": "x", "read_version": 1}, expect=409)
    lead.post(url, {"component": 1, "choice": "reject", "reason": " "}, expect=400)
    a.get(url, expect=404)
    lead.patch(f"/api/reads/{consensus['id']}/", {"diagnosis": "basal_cell_carcinoma"}, expect=200)
    lead.post(f"/api/reads/{consensus['id']}/submit/", {}, expect=200)
    project_agreement_refresh(project_id=project.pk)
    calibration = lead.get(f"/api/projects/{project.slug}/calibration/", expect=200)
    assert {row["reader"] for row in calibration["readers"]} == set(names)

    # Label sets and progress.
    building = lead.post(f"/api/projects/{project.slug}/labelsets/", {"policy": "consensus"}, expect=202)
    lead.post(f"/api/projects/{project.slug}/labelsets/", {"policy": "reader:nobody"}, expect=400)
    assert labelset_build(labelset_id=building["id"]).status == "complete"
    assert [item["version"] for item in lead.get(f"/api/projects/{project.slug}/labelsets/", expect=200)] == [1]
    labelset = lead.get(f"/api/labelsets/{building['id']}/", expect=200)
    assert labelset["mosaics"][0]["source"] == "consensus"
    assert lead.get(f"/api/labelsets/{building['id']}/verify/", expect=200)["intact"]
    downloaded = lead.get(f"/api/labelsets/{building['id']}/files/tiles.csv", expect=200)
    assert downloaded.startswith(b"mosaic,name,patient,split,x,y,")
    lead.get(f"/api/labelsets/{building['id']}/files/../../etc/passwd", expect=404)
    a.get(f"/api/labelsets/{building['id']}/", expect=404)
    progress = lead.get(f"/api/projects/{project.slug}/progress/", expect=200)
    assert progress["totals"]["adjudicated"] == 1

    missing = _lead_operations(contract) - contract.checked
    assert not missing, f"lead operations never exercised: {sorted(missing)}"
