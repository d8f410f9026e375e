"""`transition_action` with keywords: one line for an action whose transition method takes values (an
engine's outcome such as a target's error), instead of a near-copy function per transition."""
import inspect
from datetime import datetime

import pytest

from apps.integration.drift_services import drift_finding_dismiss, drift_finding_regrant_failed
from apps.operations.actions import access_request_confirm_provisioning, access_request_fail_provisioning


def test_the_signature_names_the_keywords_required_and_optional():
    signature = inspect.signature(access_request_fail_provisioning)
    assert list(signature.parameters) == ["actor", "access_request", "error", "retry_at", "comment", "if_match",
                                          "check_permission"]
    assert signature.parameters["error"].default is inspect.Parameter.empty
    assert signature.parameters["retry_at"].default is None
    assert signature.parameters["retry_at"].annotation == datetime | None
    assert signature.parameters["check_permission"].default is False  # an engine step
    assert inspect.signature(drift_finding_dismiss).parameters["check_permission"].default is True
    assert access_request_confirm_provisioning.transition == "confirm_provisioning"
    assert drift_finding_regrant_failed.__name__ == "drift_finding_regrant_failed"


def test_a_missing_required_keyword_or_a_stray_one_is_a_type_error():
    with pytest.raises(TypeError, match=r"required: \['error'\]"):
        drift_finding_regrant_failed(actor=None, drift_finding=object())
    with pytest.raises(TypeError, match="not \\['drift_finding', 'reason'\\]"):
        drift_finding_regrant_failed(actor=None, drift_finding=object(), reason="x")
