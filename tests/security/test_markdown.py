"""Hostile Markdown renders to inert HTML: in the renderer and on the admin's policy page."""
import re

import pytest
from django.urls import reverse

from apps.core.models import Tenant
from apps.core.principal import Principal
from apps.core.rendering import render_markdown
from apps.policies.services import policy_create
from tests.factories import StaffMembershipFactory

HOSTILE = {
    "javascript link": "[click](javascript:alert(1))",
    "mixed-case scheme": "[click](JaVaScRiPt:alert(1))",
    "entity-encoded scheme": "[click](&#106;avascript:alert(1))",
    "hex entity scheme": "[click](&#x6A;avascript&#x3A;alert(1))",
    "tab inside scheme": "[click](java&#x09;script:alert(1))",
    "leading control character": "[click](\x01javascript:alert(1))",
    "data URL": "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "vbscript": "[click](vbscript:msgbox(1))",
    "reference link": "[click][evil]\n\n[evil]: javascript:alert(1)",
    "autolink": "<javascript:alert(1)>",
    "image": "![x](javascript:alert(1))",
    "raw script": "<script>alert(1)</script>text",
    "raw anchor with handler": '<a href="javascript:alert(1)" onclick="alert(2)">x</a>',
    "event handler on img": "<img src=x onerror=alert(1)>",
    "svg onload": "<svg onload=alert(1)><circle/></svg>",
    "iframe": '<iframe src="https://evil.example"></iframe>',
    "style with url": '<div style="background:url(javascript:alert(1))">x</div>',
    "form": '<form action="https://evil.example"><button>go</button></form>',
    "markdown in html attribute": '<p title="x" onmouseover="alert(1)">hover</p>',
}
DANGEROUS = re.compile(r"javascript:|vbscript:|data:|<script|<iframe|<svg|<img|<form|<style|\son\w+\s*=|style=",
                       re.IGNORECASE)


@pytest.mark.parametrize("source", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_markdown_renders_inert(source):
    html = str(render_markdown(source))
    assert not DANGEROUS.search(html), html
    for href in re.findall(r'href="([^"]*)"', html):
        assert re.match(r"(https?:|mailto:|/|#)", href), href


def test_safe_markdown_keeps_its_formatting():
    html = str(render_markdown(
        "# Title\n\n**bold** and _it_, [site](https://example.com), [mail](mailto:hr@example.com)\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n- one\n- two\n\n`code`"))
    for part in ("<h1>Title</h1>", "<strong>bold</strong>", "<em>it</em>", 'href="https://example.com"',
                 'href="mailto:hr@example.com"', "<table>", "<td>1</td>", "<li>one</li>", "<code>code</code>"):
        assert part in html, (part, html)
    assert 'rel="noopener noreferrer nofollow"' in html


def test_script_text_is_dropped_not_shown():
    assert "alert" not in str(render_markdown("<script>alert(1)</script>"))


@pytest.mark.django_db
def test_admin_policy_page_shows_sanitised_body(client):
    """An hr author's hostile body, opened by another staff member, carries no script or unsafe link."""
    tenant = Tenant.objects.create(id="acme", name="Acme")
    author = Principal(person_id="per_hr", tenant_id="acme", roles=frozenset({"hr"}), source_type="backend")
    body = "\n\n".join(HOSTILE.values()) + "\n\n[fine](https://example.com/handbook)"
    policy = policy_create(actor=author, data={"name": "Handbook", "body": body})
    viewer = StaffMembershipFactory(tenant=tenant, user__username="acme-admin", user__password="pw-123456",
                                    person_id="per_admin", roles=["admin"]).user
    client.force_login(viewer)

    page = client.get(reverse("admin:policies_policy_change", args=[policy.pk]))

    assert page.status_code == 200
    content = page.content.decode()
    html = str(render_markdown(body))
    assert html in content and 'href="https://example.com/handbook"' in html
    assert not DANGEROUS.search(html)
    # The body's raw text appears only escaped (in the textarea); nothing of it is live markup.
    for live in ("<script>alert", 'href="javascript', "href='javascript", "<img src=x", '<p title="x" onmouseover',
                 '<iframe src="https://evil', "<svg onload", 'href="data:', 'href="vbscript', '<form action="https://evil'):
        assert live.lower() not in content.lower(), live
    policy.refresh_from_db()
    assert policy.body == body  # stored as written; only the rendering is sanitised
