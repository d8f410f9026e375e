"""The project's copy of the resource spec is the shared one, whenever the shared one is beside it."""
import json

import pytest

from tests.spec import SHARED_SPEC_PATH, SPEC_PATH


@pytest.mark.skipif(not SHARED_SPEC_PATH.exists(), reason="no ../shared/spec/resources.json beside the project")
def test_the_copy_matches_the_shared_spec():
    assert json.loads(SPEC_PATH.read_text()) == json.loads(SHARED_SPEC_PATH.read_text()), (
        f"spec/resources.json differs from {SHARED_SPEC_PATH}: copy the shared file over it")
