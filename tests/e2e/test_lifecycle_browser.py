"""Offboarding in a real browser (1440 and 390 px), as the demo's admin, IT and an approver: the case
list and page show each item's state and say what the case waits for; returning the leaver's laptop
from its equipment page closes the case and its evidence report (CSV, PDF) is listed and downloads;
IT adds a birthright rule; an approver sees no case (404 on one). Screenshots go to artifacts/."""
import re

import pytest
from django.urls import reverse

from apps.integration.catalog_models import Entitlement
from apps.lifecycle.models import BirthrightRule, OffboardingCase
from apps.operations.models import Equipment

from tests.e2e.conftest import autocomplete

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def files_root(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "files": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}


def test_it_follows_a_case_to_its_evidence_and_adds_a_birthright_rule(files_root, page, login, seeded, artifacts):
    case = OffboardingCase.objects.get(tenant_id="acme", status="open")
    login("acme-it")
    for width in (1440, 390):
        page.set_viewport_size({"width": width, "height": 1000})
        page.goto(reverse("admin:lifecycle_offboardingcase_changelist"))
        assert page.get_by_text("Leo Leaver").first.is_visible()
        page.screenshot(path=str(artifacts / f"lifecycle-cases-{width}.png"), full_page=True)
    for width in (390, 1440):  # IT reads the case's files but adds none: no upload is offered
        page.set_viewport_size({"width": width, "height": 1000})
        page.goto(reverse("admin:lifecycle_offboardingcase_change", args=[case.pk]))
        assert page.get_by_test_id("files-panel").is_visible() and page.get_by_test_id("file-upload").count() == 0
        page.screenshot(path=str(artifacts / f"lifecycle-case-open-{width}.png"), full_page=True)
    body = page.locator("body").inner_text()
    assert "laptop" in body and "Attached when the case closes." in body and "0 of 1" in body

    laptop = Equipment.objects.get(tenant_id="acme", requester_id=case.person_id)
    page.goto(reverse("admin:operations_equipment_change", args=[laptop.pk]))
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("^Return", re.I)).first.click()
    case.refresh_from_db()
    assert case.status == "closed" and case.evidence_attached_at
    page.goto(reverse("admin:lifecycle_offboardingcase_change", args=[case.pk]))
    links = page.locator("a", has_text=re.compile(r"Offboarding evidence .*\.(csv|pdf)$"))
    assert links.count() >= 2
    with page.expect_download() as download:
        links.first.click()
    assert download.value.suggested_filename.endswith((".csv", ".pdf"))
    page.screenshot(path=str(artifacts / "lifecycle-case-closed.png"), full_page=True)

    page.goto(reverse("admin:lifecycle_birthrightrule_add"))
    entitlement = Entitlement.objects.filter(tenant_id="acme").order_by("id").first()
    autocomplete(page, "entitlement", entitlement.name)
    page.fill("input[name=department]", "Support")
    with page.expect_navigation():
        page.locator("input[name=_save], button[name=_save]").first.click()
    assert "was added successfully" in page.locator("body").inner_text()
    assert BirthrightRule.objects.filter(tenant_id="acme", department="Support", entitlement=entitlement).exists()
    page.screenshot(path=str(artifacts / "lifecycle-birthright-added.png"), full_page=True)


def test_an_approver_does_not_see_offboarding_cases(page, login, seeded):
    case = OffboardingCase.objects.get(tenant_id="acme", status="open")
    login("acme-approver")
    page.goto(reverse("admin:lifecycle_offboardingcase_changelist"))
    assert "Leo Leaver" not in page.locator("body").inner_text()
    response = page.goto(reverse("admin:lifecycle_offboardingcase_change", args=[case.pk]))
    assert response.status == 404


def test_an_admin_attaches_a_file_to_a_case(files_root, page, login, seeded, artifacts):
    from apps.files.models import Attachment

    case = OffboardingCase.objects.get(tenant_id="acme", status="open")
    login("acme-admin")
    for width, name in ((1440, "courier-receipt.pdf"), (390, "signed-return-form.pdf")):
        page.set_viewport_size({"width": width, "height": 1000})
        page.goto(reverse("admin:lifecycle_offboardingcase_change", args=[case.pk]))
        page.get_by_test_id("file-input").set_input_files(
            {"name": name, "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n%%EOF\n"})
        with page.expect_navigation():
            page.get_by_test_id("file-upload").get_by_role("button", name="Upload").click()
        assert page.get_by_test_id("files-panel").get_by_text(name).is_visible()
        assert "Attached when the case closes." in page.locator("body").inner_text()  # an upload is no report
        page.screenshot(path=str(artifacts / f"lifecycle-case-file-{width}.png"), full_page=True)
    assert sorted(Attachment.objects.filter(record_id=case.pk).values_list("filename", flat=True)) == [
        "courier-receipt.pdf", "signed-return-form.pdf"]
