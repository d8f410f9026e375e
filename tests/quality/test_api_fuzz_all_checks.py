"""schemathesis with every check it has (positive data accepted, negative data refused, auth ignored,
use after free, unsupported methods …) and its stateful phase, over a few operations, reading the
by-design refusals from tests/quality/fuzz_refusals.toml: a failure that file does not explain fails the
test. FUZZ_ALL_EXAMPLES (default 5) examples an operation; FUZZ_ALL_OPERATIONS a path regex."""
import fnmatch
import os
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings
from schemathesis.core.failures import FailureGroup

from tests.quality.test_api_fuzz import HEADERS, keep_the_test_connection, schema  # noqa: F401  (the fixture)
from tests.conftest import postgres_only

# The contract does not depend on the database: run once, on the one production uses (CI time).
pytestmark = [postgres_only, pytest.mark.postgres]

EXAMPLES = int(os.environ.get("FUZZ_ALL_EXAMPLES", "5"))
OPERATIONS = os.environ.get("FUZZ_ALL_OPERATIONS", r"^/api/v1/(helpdesk/tickets|operations/access-requests(/\{id\}/approve)?)$")
REFUSALS = tomllib.loads((Path(__file__).with_name("fuzz_refusals.toml")).read_text())["refusal"]
few = schema.include(path_regex=OPERATIONS)


def by_design(failure, case, status: int) -> str | None:
    """The reason a refusal is correct, from the file, or None: a finding."""
    operation = f"{case.method.upper()} {case.path}"
    for refusal in REFUSALS:
        if (refusal["kind"] == type(failure).__name__ and status in refusal["status"]
                and refusal.get("detail", "") in str(failure)
                and any(fnmatch.fnmatchcase(operation, pattern) for pattern in refusal["operations"])):
            return refusal["reason"]
    return None


def validate(case, response) -> None:
    try:
        case.validate_response(response, headers=HEADERS)
    except FailureGroup as group:
        findings = [failure for failure in group.exceptions if by_design(failure, case, response.status_code) is None]
        if findings:
            raise FailureGroup(findings, str(group)) from None


def test_the_refusals_file_says_why_for_each_entry():
    for refusal in REFUSALS:
        assert refusal["kind"] and refusal["status"] and refusal["operations"] and len(refusal["reason"]) > 20


@pytest.mark.django_db
@few.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
def test_every_check_holds_or_is_a_refusal_by_design(case):
    validate(case, case.call(headers=HEADERS))


@pytest.mark.django_db
def test_the_stateful_phase(keep_the_test_connection):  # noqa: F811
    steps: list[str] = []

    class Workflow(few.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": HEADERS}

        def validate_response(self, response, case, **kwargs):
            steps.append(f"{case.method} {case.path} {response.status_code}")
            validate(case, response)

    Workflow.run(settings=settings(max_examples=EXAMPLES, stateful_step_count=4, deadline=None, derandomize=True,
                                   database=None, suppress_health_check=list(HealthCheck)))
    assert steps, "the stateful phase took no step (no links between the operations)"
    print("\n".join(sorted(set(steps))))
