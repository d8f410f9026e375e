"""axe-core on every page type staff and recipients meet, at desktop and phone width: the admin's
login, dashboard, app index, changelist, change, add and history pages, and the public pages the
emails link to (decision, acknowledgement, preferences). No serious or critical violation, and the
keyboard basics hold: a skip link first, one <main>, icon ligatures hidden from assistive technology.
Screenshots go to artifacts/a11y-<page>-<width>.png."""
import pytest
from django.urls import reverse

from tests.e2e.accessibility import AXE_MISSING, axe_violations, describe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(AXE_MISSING is not None, reason=AXE_MISSING or "")]

WIDTHS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


def _public_links() -> dict[str, str]:
    from apps.approvals.choices import StepStatus
    from apps.approvals.models import ApprovalStep
    from apps.notifications.links import (AcknowledgeLink, DecisionLink, PreferencesLink, acknowledge_url,
                                          decision_url, preferences_url)
    from apps.policies.models import Policy

    step = ApprovalStep.objects.filter(tenant_id="acme", status=StepStatus.PENDING).exclude(approver_id="").first()
    policy = Policy.objects.filter(tenant_id="acme", status="published").first()
    assert step is not None and policy is not None, "seed_demo makes a pending step and a published policy"
    path = lambda url: url.split("://", 1)[1].split("/", 1)[1]  # noqa: E731  (NOTIFY_BASE_URL is not the live server)
    return {
        "decide": "/" + path(decision_url(DecisionLink(tenant_id="acme", person_id=step.decider_id, step_id=step.pk,
                                                      token_id="ntf_a11y"))),
        "acknowledge": "/" + path(acknowledge_url(AcknowledgeLink(tenant_id="acme", person_id="per_acme_member",
                                                                 policy_id=policy.pk, version=policy.version))),
        "preferences": "/" + path(preferences_url(PreferencesLink(tenant_id="acme", person_id="per_acme_member",
                                                                 kind="ticket_assigned"))),
    }


def _admin_pages() -> dict[str, str]:
    from apps.helpdesk.models import Ticket

    ticket = Ticket.objects.filter(tenant_id="acme").order_by("created_at").first()
    return {
        "dashboard": reverse("admin:index"),
        "index": reverse("admin:app_list", args=["helpdesk"]),
        "changelist": reverse("admin:helpdesk_ticket_changelist"),
        "change": reverse("admin:helpdesk_ticket_change", args=[ticket.pk]),
        "add": reverse("admin:helpdesk_ticket_add"),
        "history": reverse("admin:helpdesk_ticket_history", args=[ticket.pk]),
    }


@pytest.fixture
def tab(request, browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=WIDTHS[request.param],
                                  is_mobile=request.param == "phone")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.width_name = request.param
    yield page
    context.close()


def _check(page, name: str, artifacts) -> list[str]:
    """What is wrong with the page open in `page`, as lines (empty: nothing)."""
    page.screenshot(path=str(artifacts / f"a11y-{name}-{page.width_name}.png"), full_page=True)
    problems = []
    found = axe_violations(page)
    if found:
        problems.append(f"{name} @ {page.width_name}:\n{describe(found)}")
    # The first thing a Tab reaches (in document order; a page may autofocus its first field) is a
    # link to the main content: it shows when focused, and following it puts focus in <main>.
    first = page.evaluate("""() => { const a = [...document.querySelectorAll(
            'a[href], button, input:not([type=hidden]), select, textarea, [tabindex]:not([tabindex="-1"])')]
        .find(e => !e.disabled && getComputedStyle(e).visibility !== 'hidden' && getComputedStyle(e).display !== 'none');
        return a && a.tagName === 'A' ? a.getAttribute('href') : (a ? a.outerHTML.slice(0, 80) : null) }""")
    if first != "#main-content":
        problems.append(f"{name} @ {page.width_name}: the first Tab stop is {first!r}, not the skip link")
    else:
        skip = page.locator("a[href='#main-content']").first
        skip.focus()
        box = skip.bounding_box()
        page.keyboard.press("Enter")
        landed = page.evaluate("() => !!document.activeElement.closest('main#main-content')")
        if not (box and box["y"] >= 0 and box["x"] >= 0) or not landed:
            problems.append(f"{name} @ {page.width_name}: the skip link is hidden when focused ({box}) "
                            f"or leads nowhere ({landed})")
    # The outline starts with the page's one <h1>: no menu heading before it, no second one.
    headings = page.evaluate("""() => [...document.querySelectorAll('h1,h2,h3,h4,h5,h6,[role=heading]')]
        .filter(h => h.offsetParent !== null).map(h => h.tagName + ':' + h.textContent.trim().slice(0, 40))""")
    if not headings or not headings[0].startswith("H1:") or sum(h.startswith("H1:") for h in headings) != 1:
        problems.append(f"{name} @ {page.width_name}: headings {headings[:6]} do not start with the one <h1>")
    # Every control has a label of its own: a placeholder or a title is not one.
    unlabelled = page.evaluate("""() => [...document.querySelectorAll(
            'input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea')]
        .filter(e => e.offsetParent !== null && !e.labels.length && !e.getAttribute('aria-labelledby')
                     && !(e.getAttribute('aria-label') || '').trim())
        .map(e => e.name || e.id || e.outerHTML.slice(0, 60))""")
    if unlabelled:
        problems.append(f"{name} @ {page.width_name}: controls without a label: {unlabelled}")
    # Icon font ligatures (their names are the text) are hidden from assistive technology.
    spoken = page.evaluate("""() => [...document.querySelectorAll('.material-symbols-outlined')]
        .filter(e => !e.closest('[aria-hidden=true]') && e.textContent.trim())
        .map(e => e.textContent.trim())""")
    if spoken:
        problems.append(f"{name} @ {page.width_name}: icon names read aloud: {sorted(set(spoken))}")
    return problems


def _save_bar_clear_of_focus(page) -> list[str]:
    """Tab through the record's form from the top: the sticky save bar never hides the field in focus."""
    page.evaluate("() => window.scrollTo(0, 0)")
    page.locator("#content-main form input:visible, #content-main form textarea:visible").first.focus()
    hidden = []
    for _ in range(25):
        page.keyboard.press("Tab")
        overlap = page.evaluate("""() => {
            const bar = document.getElementById('submit-row'), f = document.activeElement;
            if (!bar || !f || bar.contains(f) || !f.closest('form')) return null;
            const b = bar.getBoundingClientRect(), r = f.getBoundingClientRect();
            return r.bottom > b.top + 1 && r.top < b.bottom ? (f.name || f.id || f.tagName) : null }""")
        if overlap:
            hidden.append(overlap)
    return [f"change: the save bar covers the focused {sorted(set(hidden))}"] if hidden else []


@pytest.mark.parametrize("tab", list(WIDTHS), indirect=True)
def test_every_page_type_passes_axe(tab, seeded, artifacts, live_server):
    problems = []
    tab.goto(reverse("admin:login"))
    problems += _check(tab, "login", artifacts)
    tab.fill("input[name=username]", "acme-agent")
    tab.fill("input[name=password]", "demo-pass-123")
    with tab.expect_navigation():
        tab.click("button[type=submit]")
    for name, url in _admin_pages().items():
        response = tab.goto(url)
        assert response.status == 200, (name, url, response.status)
        problems += _check(tab, name, artifacts)
        if name == "change" and tab.width_name == "desktop":
            problems += _save_bar_clear_of_focus(tab)
    tab.context.clear_cookies()
    for name, url in _public_links().items():
        response = tab.goto(url)
        assert response.status == 200, (name, url, response.status)
        problems += _check(tab, name, artifacts)
    assert not problems, "\n\n".join(problems)
