"""The schema is the contract: schemathesis over the whole API, for every kind of caller.

The schema is loaded in-process from `/api/schema/` and every request goes to the WSGI app,
so no server runs. Each operation is one pytest test per caller (a staff token, a partner
agency's, a website's, and none), which pytest-xdist spreads over its workers; each test has
its own database (the `world` of tests/core/factories.py), the seed is fixed and nothing is
written to a Hypothesis database. The examples, coverage (staff) and fuzzing phases run per
operation; the stateful phase runs once per caller, following the OpenAPI links the schema
declares (`qinglang.core.openapi.add_links`: create → read → act on the new object), a few
bounded scenarios each.

Every check schemathesis has runs: no server error; the response's status, content type,
headers and body match the schema; data the schema calls invalid is refused and data it calls
valid is not refused with a 400 unless `ALLOWED_REJECTIONS` names the operation and why (state
or scope rules the schema cannot express) or the request carries a NUL or lone surrogate; a
required header left out is refused; an undocumented method answers 405 with `Allow`; declared
authentication is enforced; and, in scenarios, a deleted object is gone and a created one can
be read. Two checks are on but have nothing to judge here: `object_level_authorization` needs
several identities in one run (tests/cases/test_access_matrix.py covers cross-role access) and
`max_response_time` needs a limit, which in-process timings would not make meaningful.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from schemathesis.config import SchemathesisConfig

from qinglang.core.services import create_api_token
from qinglang.wsgi import application

SEED = 20261202
MAX_EXAMPLES = 6


def _config(*, coverage: bool) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "generation": {"max-examples": MAX_EXAMPLES, "database": "none", "no-shrink": True},
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": coverage, "unexpected-methods": ["trace"]},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": True, "max-steps": 8},
            },
            "checks": {"enabled": True},
        }
    )


# The coverage phase (every boundary and every way to break each field, ~90% of the requests)
# runs for staff, who pass authorization and so reach validation; the other callers are
# mostly refused before it, so they get the examples and fuzzing phases.
schema = schemathesis.openapi.from_wsgi(
    "/api/schema/?format=json", application, config=_config(coverage=True)
)
light_schema = schemathesis.openapi.from_dict(schema.raw_schema, config=_config(coverage=False))
light_schema.app = application

# Schema-valid requests that are still refused with 400, by operation and caller: business
# rules on state or scope that a schema cannot state. Keep this short; each entry says why.
REFERENCE = "names other records by id or code (in the caller's scope); drawn ids name none"
ALLOWED_REJECTIONS: dict[str, str] = {
    "GET /api/v1/compliance/deletion-requests/": "month must be a real YYYY-MM month",
    "POST /api/v1/compliance/deletion-requests/": "one statement or {items}: the oneOf has no "
    "discriminator, and each item is checked against the website's registry entry",
    "GET /api/v1/ledger/consistency/": "first and second must be sizes of signed checkpoints",
    "POST /api/v1/cases/": REFERENCE + " (lead and co-handling offices)",
    "POST /api/v1/monitoring/sources/": "the selector must parse as CSS; the URL must be public",
    "POST /api/v1/protection/enterprises/": "USCC check digit and a known region code",
    "POST /api/v1/protection/verify-claim/": "USCC check digit",
    "POST /api/v1/registry/practitioner-lookup/": "one of the press card or ID number is needed",
    "POST /api/v1/reports/": "payload is a JSON document checked as the JSON body would be",
    "POST /api/v1/supervision/applications/": "an open call; ID-card check digit; region code",
    "POST /api/v1/supervision/assignments/": REFERENCE + " (supervisor, website)",
    "POST /api/v1/supervision/conflicts/": REFERENCE + " (organization)",
    "POST /api/v1/supervision/inspections/": REFERENCE + " (the office inspected)",
    "GET /api/v1/deadlines/": "the office must lie in the caller's jurisdiction",
    "GET /api/v1/users/": "the organization must be one whose people the caller may assign",
    "POST /api/v1/notifications/read/": "one of ids or all is needed",
    "POST /api/v1/cases/{id}/tasks/": "one of assignee_user or assignee_organization is needed, "
    "in the case's scope",
    "POST /api/v1/reports/bulk/": "office and assignee must name an office and a colleague in "
    "the caller's scope",
    "GET /api/v1/public/ledger/consistency/": "first <= second <= the log's size",
    # A batch moves draft → submitted → approved → published; the links lead from a new (empty,
    # draft) batch straight to these actions, which its state refuses with a 400.
    "POST /api/v1/disclosure/batches/{id}/submit/": "a draft needs at least one entry",
    "POST /api/v1/disclosure/batches/{id}/approve/": "only a submitted batch, by a second person",
    "POST /api/v1/disclosure/batches/{id}/publish/": "only an approved batch",
}


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """Keep the test's database connection across requests, as Django's test client does.

    The WSGI handler closes old connections when a request finishes; on PostgreSQL that would
    close the connection holding the test's transaction.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def caller_headers(world):
    """Return a function giving the Authorization header of a caller in a fresh world."""

    tokens: dict[str, str] = {}

    def headers(kind: str) -> dict[str, str]:
        user = {
            "staff": world.beijing_user,
            "agency": world.police_user,
            "website": world.website_user,
        }.get(kind)
        if user is None:
            return {}
        if kind not in tokens:
            tokens[kind] = create_api_token(user)
        return {"Authorization": f"Bearer {tokens[kind]}"}

    return headers


def _unsafe_text(value) -> bool:
    """Whether a NUL or a lone surrogate is in any key or string of `value`."""
    if isinstance(value, str):
        return "\x00" in value or any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, dict):
        return any(_unsafe_text(k) or _unsafe_text(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_unsafe_text(v) for v in value)
    return False


def _excluded(case, caller: str) -> list:
    """The checks not to run on `case`: acceptance of the rejections ALLOWED_REJECTIONS names.

    NUL characters and lone surrogates are refused in any key or value before parsing (issue
    16 part 6) — JSON Schema cannot say so for keys the schema does not name, so such a request
    may be refused whatever the operation. On every paged list (`qinglang.core.pagination`) a
    request carrying a cursor may be refused: it must be one the server signed for this ordering
    and not come with `page`, which a schema cannot say; the same list without one must pass.
    """
    query = case.query or {}
    if (
        f"{case.operation.label} as {caller}" in ALLOWED_REJECTIONS
        or case.operation.label in ALLOWED_REJECTIONS
        or any(_unsafe_text(part) for part in (case.body, case.query, case.path_parameters))
        or "cursor" in query
    ):
        return [schemathesis.checks.positive_data_acceptance]
    return []


def _call(case, headers: dict[str, str], caller: str) -> None:
    # Public write endpoints are throttled per address; each example starts with fresh counters.
    cache.clear()
    case.call_and_validate(headers=headers, excluded_checks=_excluded(case, caller))


SETTINGS = hypothesis_settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@schema.parametrize()
@SETTINGS
def test_api_as_staff(case, caller_headers):
    _call(case, caller_headers("staff"), "staff")


@light_schema.parametrize()
@SETTINGS
def test_api_as_partner_agency(case, caller_headers):
    _call(case, caller_headers("agency"), "agency")


@light_schema.parametrize()
@SETTINGS
def test_api_as_website(case, caller_headers):
    _call(case, caller_headers("website"), "website")


@light_schema.parametrize()
@SETTINGS
def test_api_anonymously(case, caller_headers):
    _call(case, caller_headers("anonymous"), "anonymous")


# The stateful phase: scenarios that follow the schema's links (create → read → act on the new
# object), every check on every step. Bounded: a few scenarios of a few steps per caller.
STATEFUL_SCENARIOS = 15
STATEFUL_STEPS = 8


@pytest.mark.parametrize("caller", ["staff", "agency", "website", "anonymous"])
def test_api_stateful(caller, caller_headers):
    headers = caller_headers(caller)

    class Workflow(schema.as_state_machine()):  # type: ignore[misc, valid-type]
        def setup(self) -> None:
            cache.clear()

        def get_call_kwargs(self, case):
            return {"headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(
                response,
                additional_checks=additional_checks,
                excluded_checks=_excluded(case, caller),
                headers=headers,
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
            )

    Workflow.run(
        settings=hypothesis_settings(
            SETTINGS,
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=STATEFUL_STEPS,
            database=None,
            derandomize=True,
            phases=[Phase.generate],
        )
    )
