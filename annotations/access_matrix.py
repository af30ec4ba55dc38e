"""The permission matrix: every route, every kind of caller, what it gets (issue 11).

One table, ``MATRIX``: a row names a route (its URL name), a method, the object
the URL names (``target``, one of ``TARGETS``), the relation that grants access,
and the outcome for each kind of caller (``Caller``). It is the specification of
access, and two things read it:

- ``MatrixPermission`` (a DRF permission class on the reading, lead, core and
  ingest APIs, and so on the AI layer's and training's, whose views derive from
  them; the audit and token views check for themselves) and ``matrix_page`` (the
  pages' decorator: every page, the dashboard and training's included) enforce its
  *role-level* part: an anonymous caller is refused
  (401/403) where no row lets it in, and a caller whose roles (over all its
  memberships) no row of the route and method allows gets a 404 before any
  object is looked up. A route and method without a row is refused (404): the
  table fails closed.
- The *relations* (same center, assigned, owner, lead of this very project, a
  blind peer) stay where they are, in the scoped selectors
  (``annotations.selectors.access``, ``.reads``, ``.agreement``, ``.labelsets``)
  and the services' checks (403 where a visible object may not be changed): an
  object the caller may not see does not exist for it. The table states, row by
  row, what those selectors must deliver, and ``tests/test_access_matrix.py``
  requests every row for every caller against one fixture world and checks the
  status and that a refusal carries nothing of the resource. A URL pattern
  without a row fails that suite.

The callers are relations to the fixture world's objects, not users: the
"reader" reads the target's mosaic (its own read is ``read.own.*``, its blind
peer's ``read.peer.*``), the "reader, unassigned" is a reader of the same project
without a read of it, and so on (``Caller``). The blind-reading rules are rows:
a peer's open read is a 404 for the reader, its submitted read (every reader read
of the mosaic submitted) is visible.

Outcomes other than allow/404 are deliberate: 403 where the caller sees the
object but may not change it (a lead writing a reader's read), 409 where it may
but not now (its own submitted, locked read), ``LISTED``/``UNLISTED`` for listings
(200 with or without the target in them). Pages answer anonymous callers with a
redirect to the login page, the API with 401/403 (``LOGIN``).
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.permissions import BasePermission

from annotations.models import Membership, Role


class Caller(StrEnum):
    """A kind of caller, named by its relation to the row's target."""

    ANONYMOUS = "anonymous"
    READER = "reader"  # a reader of the project with a read of the target's mosaic
    READER_UNASSIGNED = "reader_unassigned"  # a reader of the project, no read of that mosaic
    READER_OTHER_PROJECT = "reader_other_project"  # a reader of another project only
    CONTRIBUTOR = "contributor"  # a contributor of the project at the target's center
    CONTRIBUTOR_OTHER_CENTER = "contributor_other_center"  # a contributor of the project elsewhere
    LEAD = "lead"  # the project's lead
    ADMIN = "admin"  # the project's admin (a membership role, not Django's staff)


# The membership role each kind of caller holds (the role-level part of the table).
CALLER_ROLE: Mapping[Caller, Role | None] = {
    Caller.ANONYMOUS: None,
    Caller.READER: Role.READER,
    Caller.READER_UNASSIGNED: Role.READER,
    Caller.READER_OTHER_PROJECT: Role.READER,
    Caller.CONTRIBUTOR: Role.CONTRIBUTOR,
    Caller.CONTRIBUTOR_OTHER_CENTER: Role.CONTRIBUTOR,
    Caller.LEAD: Role.LEAD,
    Caller.ADMIN: Role.ADMIN,
}


class Outcome(StrEnum):
    ALLOW = "allow"  # 2xx (or the row's ``status``)
    LISTED = "listed"  # 200, and the target is in the listing
    UNLISTED = "unlisted"  # 200, and nothing of the target is in it
    FORBIDDEN = "403"  # sees the object, may not do this to it
    CONFLICT = "409"  # may, but not in the object's state (a submitted read is locked)
    NOT_FOUND = "404"  # does not exist for the caller
    INVALID = "400"  # names what it cannot see: the same 400 as a name that does not exist
    LOGIN = "login"  # anonymous: 401/403 from the API, a redirect to /login/ from a page


# Outcomes that reach the object: the caller's role passes the role-level check.
REACHES = frozenset({
    Outcome.ALLOW, Outcome.LISTED, Outcome.UNLISTED, Outcome.FORBIDDEN, Outcome.CONFLICT, Outcome.INVALID,
})  # fmt: skip

# What a row's URL may name (the fixture world of tests/test_access_matrix.py builds each).
TARGETS: Mapping[str, str] = {
    "-": "nothing (a listing or a form)",
    "project": "the project",
    "center": "the case's center",
    "case": "a case at the contributor's center; its mosaic is the reader's",
    "case.reference": "that case's reference fields (diagnosis, histopathology, patient code)",
    "mosaic": "the case's ready mosaic, read by the reader and its blind peer (both open)",
    "mosaic.file": "that mosaic's identifying file fields (original file name, checksum)",
    "mosaic.submitted": "a mosaic whose reader reads are all submitted",
    "read.own.open": "the reader's open read",
    "read.peer.open": "the blind peer's open read of the same mosaic",
    "read.own.submitted": "the reader's submitted read (all reads of its mosaic submitted)",
    "read.peer.submitted": "the peer's submitted read of that mosaic",
    "read.consensus": "the lead's open consensus read of that mosaic",
    "region.own.open": "a region of the reader's open read",
    "region.peer.open": "a region of the peer's open read",
    "region.peer.submitted": "a region of the peer's submitted read",
    "labelset": "a complete label set of the project",
    "upload": "the contributor's chunked upload to the case",
    "read.aided": "the reader's aided read (a copy of its submitted read, where the AI layer is shown)",
    "model.active": "the project's active model (its finished runs are on the three mosaics)",
    "model": "a candidate model of the project, with its training run and evaluation",
    "run.training": "that candidate's training run",
    "evaluation": "that candidate's evaluation (its ROC images)",
}

ALL = tuple(Caller)
MEMBERS = (
    Caller.READER, Caller.READER_UNASSIGNED, Caller.CONTRIBUTOR, Caller.CONTRIBUTOR_OTHER_CENTER, Caller.LEAD,
    Caller.ADMIN,
)  # fmt: skip
SIGNED_IN = (*MEMBERS, Caller.READER_OTHER_PROJECT)
MANAGERS = (Caller.LEAD, Caller.ADMIN)
# Who sees the case and its mosaic: its center's contributors, its readers, the managers.
CASE_SEERS = (Caller.READER, Caller.CONTRIBUTOR, *MANAGERS)


@dataclass(frozen=True)
class Row:
    route: str  # the URL name (page and API names may coincide: ``page`` tells them apart)
    method: str
    target: str
    relation: str  # what grants access
    outcomes: Mapping[Caller, Outcome]
    query: str = ""  # appended to the URL, e.g. "all=1"
    status: int | None = None  # the allowed answer when it is not any 2xx (a redirect)
    page: bool = False  # a page (or another route outside /api/): anonymous is sent to log in

    @property
    def key(self) -> str:
        query = f"?{self.query}" if self.query else ""
        return f"{'page:' if self.page else ''}{self.route}:{self.method}:{self.target}{query}"


def row(route: str, method: str, target: str, relation: str, *, allow: Iterable[Caller] = (),
        listed: Iterable[Caller] = (), unlisted: Iterable[Caller] = (), forbid: Iterable[Caller] = (),
        conflict: Iterable[Caller] = (), invalid: Iterable[Caller] = (), anonymous: Outcome = Outcome.LOGIN,
        **extra: Any) -> Row:  # fmt: skip
    """A row: the callers named get their outcome, anonymous ``anonymous``, everyone else a 404."""
    outcomes = {caller: Outcome.NOT_FOUND for caller in Caller}
    outcomes[Caller.ANONYMOUS] = anonymous
    for callers, outcome in ((allow, Outcome.ALLOW), (listed, Outcome.LISTED), (unlisted, Outcome.UNLISTED),
                             (forbid, Outcome.FORBIDDEN), (conflict, Outcome.CONFLICT),
                             (invalid, Outcome.INVALID)):  # fmt: skip
        for caller in callers:
            outcomes[caller] = outcome
    return Row(route, method, target, relation, outcomes, **extra)


def public(route: str, method: str = "GET", relation: str = "public", **extra: Any) -> Row:
    return row(route, method, "-", relation, allow=ALL, anonymous=Outcome.ALLOW, **extra)


def listing(route: str, target: str, relation: str, seers: Iterable[Caller], *, askers: Iterable[Caller] = SIGNED_IN,
            **extra: Any) -> Row:  # fmt: skip
    """A listing ``askers`` may ask for: ``seers`` find the target in it, the others do not (the rest: 404)."""
    seen = tuple(seers)
    return row(route, "GET", target, relation, listed=seen, unlisted=[c for c in askers if c not in seen], **extra)


def read_rows(route: str, *, write: str | None = None, page: bool = False, submit: bool = False) -> list[Row]:
    """A read's route: who sees which read (the blind rules), and who may write it with ``write``."""
    rows = [
        row(route, "GET", "read.own.open", "owner; lead/admin of the project", allow=(Caller.READER, *MANAGERS),
            page=page),  # fmt: skip
        row(route, "GET", "read.peer.open", "blind: a peer's open read is hidden from the reader", allow=MANAGERS,
            page=page),  # fmt: skip
        row(route, "GET", "read.own.submitted", "owner; lead/admin", allow=(Caller.READER, *MANAGERS), page=page),
        row(route, "GET", "read.peer.submitted", "blind lifted: every reader read of the mosaic is submitted",
            allow=(Caller.READER, *MANAGERS), page=page),  # fmt: skip
    ]
    return rows + (write_rows(route, write, submit=submit) if write else [])


def write_rows(route: str, method: str, *, submit: bool = False, prefix: str = "read") -> list[Row]:
    """Writes to a read (or a region of it): its own reader until it submits; 403 for who sees it, else 404."""
    rows = [
        row(route, method, f"{prefix}.own.open", "the read's own reader, until it submits", allow=[Caller.READER],
            forbid=MANAGERS),  # fmt: skip
        row(route, method, f"{prefix}.peer.open", "blind: hidden from the peer; the managers see, may not write",
            forbid=MANAGERS),  # fmt: skip
        row(route, method, f"{prefix}.peer.submitted", "only the read's own reader writes it",
            forbid=(Caller.READER, *MANAGERS)),  # fmt: skip
    ]
    if prefix == "read":
        rows.append(row(route, method, "read.own.submitted", "a submitted read is locked", conflict=[Caller.READER],
                        forbid=MANAGERS))  # fmt: skip
    return rows


def lead_rows(route: str, methods: Iterable[str], target: str) -> list[Row]:
    """The lead's areas: the project's leads and admins; a 404 for everyone else, readers included."""
    return [row(route, method, target, "lead/admin of the project", allow=MANAGERS) for method in methods]


def mosaic_row(route: str, **extra: Any) -> Row:
    return row(route, "GET", "mosaic", "same center (contributor), assigned (reader), lead/admin",
               allow=CASE_SEERS, **extra)  # fmt: skip


# Tiles are plain Django views: an anonymous caller gets the 404 of a mosaic it cannot see.
TILES = {"anonymous": Outcome.NOT_FOUND}
UPLOADERS = (Caller.CONTRIBUTOR, *MANAGERS)

MATRIX: tuple[Row, ...] = (
    # --- public and platform routes -------------------------------------------------------
    public("healthz", relation="public: up or down", page=True),
    public("favicon", page=True, status=301),
    public("login", page=True),
    public("logout", "POST", "public (ends the session if any)", page=True, status=302),
    public("schema", relation="public: the API contract"),
    public("api-docs"),
    public("api-redoc"),
    public("api-token", "POST", "public: the caller's own credentials"),
    row("api-root", "GET", "-", "the router's index: any signed-in user", allow=SIGNED_IN),
    # Django's admin site, every admin:* URL (NAMESPACES_COVERED): Django staff only, no project role.
    Row("admin:index", "GET", "-", "Django staff only", {caller: Outcome.LOGIN for caller in Caller}, page=True),
    # --- pages -----------------------------------------------------------------------------
    listing("project-list", "project", "member of the project", MEMBERS, page=True),
    row("case-list", "GET", "project", "member of the project", allow=MEMBERS, page=True),
    listing("case-list", "case", "same center, assigned, lead/admin", CASE_SEERS, askers=MEMBERS, page=True),
    row("case-list", "GET", "case.reference", "reference fields: the center's contributors and the managers",
        listed=UPLOADERS, unlisted=[c for c in MEMBERS if c not in UPLOADERS], page=True),  # fmt: skip
    row("case-detail", "GET", "case", "same center, assigned, lead/admin", allow=CASE_SEERS, page=True),
    row("case-detail", "GET", "case.reference", "reference fields: the center's contributors and the managers",
        listed=UPLOADERS, unlisted=[Caller.READER], page=True),  # fmt: skip
    mosaic_row("mosaic-viewer", page=True),
    listing("worklist", "read.own.open", "the reader's own reads", [Caller.READER], page=True),
    *read_rows("workspace", page=True),
    # --- core API: centers, projects, cases, mosaics ---------------------------------------
    listing("center-list", "center", "a center of a project the caller belongs to", MEMBERS),
    row("center-list", "POST", "-", "Django staff only", forbid=SIGNED_IN),
    row("center-detail", "GET", "center", "a center of a project the caller belongs to", allow=MEMBERS),
    row("center-detail", "PATCH", "center", "Django staff only", forbid=MEMBERS),
    listing("project-list", "project", "member of the project", MEMBERS),
    row("project-detail", "GET", "project", "member of the project", allow=MEMBERS),
    row("project-detail", "PATCH", "project", "lead/admin of the project", allow=MANAGERS,
        forbid=[c for c in MEMBERS if c not in MANAGERS]),  # fmt: skip
    listing("case-list", "case", "same center, assigned, lead/admin", CASE_SEERS),
    row("case-list", "GET", "case.reference", "reference fields: the center's contributors and the managers",
        listed=UPLOADERS, unlisted=[c for c in SIGNED_IN if c not in UPLOADERS]),  # fmt: skip
    row("case-list", "POST", "-", "contributor of the center, lead/admin", allow=UPLOADERS,
        forbid=[Caller.READER, Caller.READER_UNASSIGNED, Caller.CONTRIBUTOR_OTHER_CENTER],
        invalid=[Caller.READER_OTHER_PROJECT]),  # fmt: skip
    row("case-detail", "GET", "case", "same center, assigned, lead/admin", allow=CASE_SEERS),
    row("case-detail", "GET", "case.reference", "reference fields: the center's contributors and the managers",
        listed=UPLOADERS, unlisted=[Caller.READER]),  # fmt: skip
    row("case-detail", "PATCH", "case", "contributor of the center, lead/admin", allow=UPLOADERS,
        forbid=[Caller.READER]),  # fmt: skip
    row("case-detail", "DELETE", "case", "lead/admin", allow=MANAGERS, forbid=[Caller.READER, Caller.CONTRIBUTOR]),
    listing("mosaic-list", "mosaic", "same center, assigned, lead/admin", CASE_SEERS),
    listing("mosaic-list", "mosaic.file", "file name and checksum: the center's contributors and the managers",
            UPLOADERS),  # fmt: skip
    mosaic_row("mosaic-detail"),
    row("mosaic-detail", "GET", "mosaic.file", "file name and checksum: the center's contributors and the managers",
        listed=UPLOADERS, unlisted=[Caller.READER]),  # fmt: skip
    # --- ingest ---------------------------------------------------------------------------------
    row("case-mosaic-upload", "POST", "case", "contributor of the center, lead/admin", allow=UPLOADERS,
        forbid=[Caller.READER]),  # fmt: skip
    row("case-upload-create", "POST", "case", "contributor of the center, lead/admin", allow=UPLOADERS,
        forbid=[Caller.READER]),  # fmt: skip
    *[row("upload-detail", method, "upload", "the upload's author, lead/admin", allow=UPLOADERS)
      for method in ("GET", "PUT", "DELETE")],  # fmt: skip
    row("upload-complete", "POST", "upload", "the upload's author, lead/admin", allow=UPLOADERS),
    # --- tiles ------------------------------------------------------------------------------------
    *[mosaic_row(route, **TILES) for route in ("mosaic-dzi", "mosaic-dzi-tile", "mosaic-granted-tile",
                                                "mosaic-thumbnail", "mosaic-region")],  # fmt: skip
    # --- reading ----------------------------------------------------------------------------------
    row("vocabulary", "GET", "-", "any signed-in user", allow=SIGNED_IN),
    row("mosaic-assign", "POST", "mosaic", "lead/admin of the project; who else sees the mosaic: 403",
        allow=MANAGERS, forbid=[Caller.READER, Caller.CONTRIBUTOR]),  # fmt: skip
    mosaic_row("mosaic-reads"),
    row("mosaic-reads", "GET", "read.peer.open", "blind: the peer's open read is not listed", listed=MANAGERS,
        unlisted=[Caller.READER, Caller.CONTRIBUTOR]),  # fmt: skip
    row("mosaic-reads", "GET", "read.peer.submitted", "blind lifted once every read is submitted",
        listed=(Caller.READER, *MANAGERS), unlisted=[Caller.CONTRIBUTOR]),  # fmt: skip
    listing("read-list", "read.own.open", "the caller's own worklist", [Caller.READER]),
    listing("read-list", "read.peer.open", "everyone's reads (all=1): lead/admin of the project", MANAGERS,
            query="all=1"),  # fmt: skip
    *read_rows("read-detail", write="PATCH"),
    row("read-detail", "GET", "read.consensus", "readers see the consensus once every read is submitted",
        allow=(Caller.READER, *MANAGERS)),  # fmt: skip
    *read_rows("read-regions", write="POST"),
    *write_rows("read-erase", "POST"),
    *write_rows("read-submit", "POST"),
    *read_rows("read-history"),
    *read_rows("read-revision"),
    *write_rows("read-restore", "POST"),
    *read_rows("read-geojson", write="PUT"),
    *read_rows("read-coverage", write="POST"),
    row("region-detail", "GET", "region.own.open", "the read's owner; lead/admin", allow=(Caller.READER, *MANAGERS)),
    row("region-detail", "GET", "region.peer.open", "blind: a peer's region is hidden", allow=MANAGERS),
    row("region-detail", "GET", "region.peer.submitted", "blind lifted", allow=(Caller.READER, *MANAGERS)),
    *write_rows("region-detail", "PATCH", prefix="region"),
    *write_rows("region-detail", "DELETE", prefix="region"),
    # --- the lead's areas -------------------------------------------------------------------------
    *lead_rows("project-agreement", ("GET", "POST"), "project"),
    *lead_rows("project-calibration", ("GET",), "project"),
    *lead_rows("project-assignment", ("GET", "POST"), "project"),
    *lead_rows("project-progress", ("GET",), "project"),
    *lead_rows("project-labelsets", ("GET", "POST"), "project"),
    *lead_rows("mosaic-agreement", ("GET",), "mosaic.submitted"),
    *lead_rows("mosaic-consensus", ("POST",), "mosaic.submitted"),
    *lead_rows("mosaic-third-reader", ("POST",), "mosaic.submitted"),
    *lead_rows("read-adjudication", ("GET",), "read.consensus"),
    row("read-adjudication", "POST", "read.consensus", "the consensus's own adjudicator (a lead); other managers: 403",
        allow=[Caller.LEAD], forbid=[Caller.ADMIN]),  # fmt: skip
    *lead_rows("labelset-detail", ("GET",), "labelset"),
    *lead_rows("labelset-verify", ("GET",), "labelset"),
    *lead_rows("labelset-file", ("GET",), "labelset"),
)

# --- the AI layer (inference.api) -----------------------------------------------------------------
# The mosaic is found through the reading selectors (404 for who may not see it), then the
# protocol (``inference.selectors.predictions``; the world's project reads unaided first): a reader
# sees the layer once its unaided read is submitted, a 403 with the reason before; a contributor
# of the center sees the mosaic, never its layer (403); leads and admins always see it.
AI_LAYER_ROUTES = ("mosaic-predictions", "mosaic-suggestions", "mosaic-heatmap")
AI_DECISIONS = ("read-suggestion-accept", "read-suggestion-edit", "read-suggestion-reject", "read-suggestions-area")
MATRIX += (
    *[row(route, "GET", "mosaic", "the mosaic's seers; the layer: lead/admin (readers: after their unaided read)",
          allow=MANAGERS, forbid=[Caller.READER, Caller.CONTRIBUTOR]) for route in AI_LAYER_ROUTES],
    *[row(route, "GET", "mosaic.submitted", "the protocol: the reader's unaided read is submitted",
          allow=(Caller.READER, *MANAGERS), forbid=[Caller.CONTRIBUTOR]) for route in AI_LAYER_ROUTES],
    row("mosaic-predictions", "POST", "mosaic", "lead/admin re-run the models; who else sees the mosaic: 403",
        allow=MANAGERS, forbid=[Caller.READER, Caller.CONTRIBUTOR]),
    *[row(route, "POST", "read.aided", "the aided read's own reader", allow=[Caller.READER], forbid=MANAGERS)
      for route in AI_DECISIONS],
    *[row(route, "POST", "read.own.open", "the protocol: no suggestions in the unaided read (403 with the reason)",
          forbid=(Caller.READER, *MANAGERS)) for route in AI_DECISIONS],
    *[row(route, "POST", "read.peer.open", "blind: hidden from the peer; the managers see, may not write",
          forbid=MANAGERS) for route in AI_DECISIONS],
    row("read-aided", "POST", "read.own.submitted", "the read's own reader, once submitted", allow=[Caller.READER],
        forbid=MANAGERS),
    row("read-aided", "POST", "read.peer.submitted", "only the read's own reader; who sees it: 403",
        forbid=(Caller.READER, *MANAGERS)),
    row("read-aided", "POST", "read.peer.open", "blind: hidden from the peer; the managers see, may not",
        forbid=MANAGERS),
    *[row(route, method, "project", "lead/admin of the project; its other members: 403", allow=MANAGERS,
          forbid=[c for c in MEMBERS if c not in MANAGERS])
      for route, method in (("project-ai-influence", "GET"), ("project-preannotate", "POST"))],
)  # fmt: skip

# --- training (training.urls, training.api.urls), the dashboard, the audit trail, tokens ---------
MATRIX += (
    row("project-dashboard", "GET", "project", "lead/admin of the project", allow=MANAGERS, page=True),
    row("project-training", "GET", "project", "lead/admin of the project", allow=MANAGERS, page=True),
    row("model-detail", "GET", "model", "lead/admin of the model's project", allow=MANAGERS, page=True),
    row("model-promote-form", "POST", "model", "lead/admin of the model's project (then back to its page)",
        allow=MANAGERS, page=True, status=302),
    row("run-detail", "GET", "run.training", "lead/admin of the run's project", allow=MANAGERS, page=True),
    row("evaluation-roc", "GET", "evaluation", "lead/admin of the model's project", allow=MANAGERS, page=True),
    *lead_rows("project-training-runs", ("GET", "POST"), "project"),
    *lead_rows("training-run-detail", ("GET",), "run.training"),
    *lead_rows("project-retraining", ("GET", "PUT"), "project"),
    *lead_rows("model-promote", ("POST",), "model"),
    row("audit-list", "GET", "-", "leads and admins (their projects' events); other signed-in users: 403",
        allow=MANAGERS, forbid=[c for c in SIGNED_IN if c not in MANAGERS]),
    row("api-token", "DELETE", "-", "the caller's own token", allow=SIGNED_IN),
)  # fmt: skip

# URL names that are not routes of their own: every admin:* URL is covered by the admin:index row.
NAMESPACES_COVERED = {"admin": "admin:index"}


def rows_for(route: str, method: str, *, page: bool = False) -> list[Row]:
    return [r for r in MATRIX if r.route == route and r.method == method and r.page == page]


@cache
def route_audience(route: str, method: str, *, page: bool = False) -> tuple[bool, frozenset[Role]] | None:
    """(anonymous may reach it, the membership roles that may) for a route and method; None: no row."""
    method = "GET" if method in ("HEAD", "OPTIONS") else method
    rows = rows_for(route, method, page=page)
    if not rows:
        return None
    anonymous = any(r.outcomes[Caller.ANONYMOUS] in REACHES for r in rows)
    roles = {
        role
        for r in rows
        for caller, outcome in r.outcomes.items()
        if outcome in REACHES and (role := CALLER_ROLE[caller]) is not None
    }
    return anonymous, frozenset(roles)


def _reaches(user: Any, roles: frozenset[Role]) -> bool:
    """Whether a signed-in user holds, in any project, a role that ``roles`` lets reach the route."""
    if user.is_superuser and user.is_active:
        return True
    if roles >= set(Role):
        return True  # every role may reach it: only the selectors decide
    return Membership.objects.filter(user_id=user.pk, role__in=roles).exists()


class MatrixPermission(BasePermission):
    """The role-level half of ``MATRIX`` for the API (the scoped selectors do the relations; see above).

    Refusals raise rather than return False so that they are a 401/403 for an
    anonymous caller and a plain 404 for a signed-in one (never a 403 that says
    the route exists for someone else).
    """

    def has_permission(self, request: HttpRequest, view: Any) -> bool:
        method = (request.method or "GET").lower()
        if method not in view.http_method_names or not hasattr(view, method):
            return True  # DRF answers 405 for a method the view does not have, whoever asks
        match = request.resolver_match
        audience = route_audience(match.view_name, request.method or "GET") if match else None
        if audience is None:
            raise NotFound()
        anonymous, roles = audience
        if anonymous:
            return True
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        if _reaches(request.user, roles):
            return True
        raise NotFound()


def matrix_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The role-level half of ``MATRIX`` for a page: anonymous to the login page, a role no row allows 404."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        match = request.resolver_match
        audience = route_audience(match.view_name, request.method or "GET", page=True) if match else None
        if audience is None:
            raise Http404("No such page")
        anonymous, roles = audience
        if not anonymous and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not anonymous and not _reaches(request.user, roles):
            raise Http404("No such page")
        return view(request, *args, **kwargs)

    return wrapper
