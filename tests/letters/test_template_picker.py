"""The letter panel's template is found by name in a picker (issue 35): the HR request's page writes no
template whatever the tenant holds, the picker answers HR alone with the tenant's active templates (the
request's type first), and another tenant's template posted to generate changes nothing."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.letters.models import Letter
from tests.factories import LetterTemplateFactory
from tests.files.conftest import files_root  # noqa: F401  (every test's own file storage)
from tests.letters.test_letters import hr_request, people  # noqa: F401  (an open HR request of acme's member)
from tests.notifications.conftest import staff

pytestmark = pytest.mark.django_db
PICKER = reverse("admin:letters_lettertemplate_pick")


def request_page(client, hr_request) -> tuple[int, str]:  # noqa: F811
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("admin:operations_hrrequest_change", args=[hr_request.pk]))
    assert page.status_code == 200
    return len(queries), page.content.decode()


def picked(client, **params) -> list[str]:
    return [r["text"] for r in client.get(PICKER, params).json()["results"]]


def test_the_request_page_costs_the_same_for_3_or_60_templates(hr_request, client):  # noqa: F811
    for n in range(3):
        LetterTemplateFactory(name=f"Few {n}")
    client.force_login(staff("hr2", ["hr"]))
    request_page(client, hr_request)  # warm: the first page fills per-process caches
    few, html = request_page(client, hr_request)
    assert 'data-testid="letter-template"' in html and "Few 0" not in html
    for n in range(57):
        LetterTemplateFactory(name=f"Many {n}")
    many, html = request_page(client, hr_request)
    assert many == few and "Many 0" not in html and 'data-testid="letter-generate"' in html


def test_the_picker_offers_active_templates_by_name_the_requests_type_first(hr_request, client):  # noqa: F811
    LetterTemplateFactory(name="Zeta", request_type=hr_request.type)
    LetterTemplateFactory(name="Alpha", request_type="leave" if hr_request.type != "leave" else "other")
    LetterTemplateFactory(name="Beta", request_type=None)
    LetterTemplateFactory(name="Retired", active=False)
    LetterTemplateFactory(name="Globex letter", tenant_id="globex")
    client.force_login(staff("hr2", ["hr"]))
    assert picked(client, type=hr_request.type) == ["Zeta (v1)", "Alpha (v1)", "Beta (v1)"]
    assert picked(client) == ["Alpha (v1)", "Beta (v1)", "Zeta (v1)"]
    assert picked(client, term="bet") == ["Beta (v1)"] and picked(client, term="globex") == []


def test_only_hr_of_the_tenant_is_offered_templates(hr_request, client):  # noqa: F811
    theirs = LetterTemplateFactory(name="Globex letter", tenant_id="globex")
    LetterTemplateFactory(name="Employment")
    client.force_login(staff("agent", ["agent"]))
    assert picked(client) == []
    page = client.get(reverse("admin:operations_hrrequest_change", args=[hr_request.pk])).content.decode()
    assert 'data-testid="letter-panel"' not in page
    client.force_login(staff("hr2", ["hr"]))
    assert picked(client, term=theirs.pk) == [] and picked(client, tenant="globex") == ["Employment (v1)"]


def test_another_tenants_template_posted_generates_nothing(hr_request, client):  # noqa: F811
    theirs = LetterTemplateFactory(name="Globex letter", tenant_id="globex")
    client.force_login(staff("hr2", ["hr"]))
    response = client.post(reverse("admin:letters_letter_generate", args=[hr_request.pk]), {"template": theirs.pk},
                           follow=True)
    assert "Choose a letter template." in [str(m) for m in response.context["messages"]]
    assert not Letter.all_objects.exists()
    hr_request.refresh_from_db()
    assert hr_request.status != "completed"
