"""The portal in the person's language: German and English ship (apps/portal/locale); the switcher at
the foot of every page (Django's set_language, a POST) or the browser's Accept-Language choose it; the
admin stays in LANGUAGE_CODE."""
import ast
import gettext
from pathlib import Path

from django.conf import settings

from .test_flow import form_token
from .test_isolation import file_all

LOCALE = Path(settings.BASE_DIR) / "apps" / "portal" / "locale"


def test_a_person_switches_the_portal_to_german_and_back(client, world, as_user):
    file_all(world, "acme", "per_emp")
    as_user(world.employee)
    page = client.get("/portal/requests/").content.decode()
    assert '<html lang="en' in page and "My requests" in page and "Waiting for Grace Hopper, step 1 of 2" in page
    response = client.post("/portal/language/", {"language": "de", "next": "/portal/requests/"})
    assert response.status_code == 302 and response.url == "/portal/requests/"
    page = client.get("/portal/requests/").content.decode()
    assert '<html lang="de">' in page and "Meine Anfragen" in page and "Wartet auf mich" in page
    assert "Wartet auf Grace Hopper, Schritt 1 von 2" in page and "Wartet auf Genehmigung" in page
    errors = client.post("/portal/ask/ticket/", {"form_token": form_token(client, "ticket")}).content.decode()
    assert "Bitte prüfen Sie die markierten Felder." in errors and "Dieses Feld ist zwingend erforderlich." in errors
    client.force_login(world.it)  # the admin keeps LANGUAGE_CODE whatever the portal speaks
    assert "Log out" in client.get("/admin/").content.decode()
    client.post("/portal/language/", {"language": "en", "next": "/portal/"})
    assert "Waiting for me" in client.get("/portal/").content.decode()


def test_the_browsers_language_applies_until_the_person_chooses(client, world, as_user):
    as_user(world.employee)
    page = client.get("/portal/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").content.decode()
    assert "Wartet auf mich" in page
    response = client.get("/portal/", HTTP_ACCEPT_LANGUAGE="fr-FR")
    assert "Waiting for me" in response.content.decode() and "Accept-Language" in response["Vary"]


def test_the_switcher_never_sends_the_person_off_the_site(client, world, as_user):
    as_user(world.employee)
    response = client.post("/portal/language/", {"language": "de", "next": "https://evil.invalid/portal/"})
    assert response.status_code == 302 and not response.url.startswith("https://evil.invalid")


def po_entries(path: Path) -> dict[str, list[str]]:
    """{msgid: [msgstr, …]} of a .po file (continuation lines joined; plurals as a list)."""
    entries = {}
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        parts: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            head, _, rest = line.partition(" ")
            if head.startswith(("msgid", "msgstr")):
                key, line = head, rest
            parts[key] = parts.get(key, "") + ast.literal_eval(line)
        if "msgid" in parts and parts["msgid"]:
            entries[parts["msgid"]] = [v for k, v in sorted(parts.items()) if k.startswith("msgstr")]
    return entries


def test_the_german_catalog_is_complete_and_compiled():
    po = LOCALE / "de" / "LC_MESSAGES" / "django.po"
    entries = po_entries(po)
    assert len(entries) > 250
    assert not [msgid for msgid, strs in entries.items() if not all(strs)]
    with open(po.with_suffix(".mo"), "rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = [msgid for msgid, strs in entries.items() if len(strs) == 1 and compiled.gettext(msgid) != strs[0]]
    assert not stale, f"run compilemessages: {stale[:3]}"
    assert (LOCALE / "en" / "LC_MESSAGES" / "django.mo").exists()


def test_every_string_marked_in_the_portal_has_a_german_translation(tmp_path):
    """What `makemessages -l de` would collect from the portal's code and templates today, merged into the
    committed catalogue: no string new (untranslated) or changed (fuzzy). A page string marked for
    translation and never translated would show in English to a German reader."""
    import shutil
    import subprocess
    import sys

    import pytest

    if shutil.which("xgettext") is None:
        pytest.skip("GNU gettext (xgettext) is not installed: `make gettext`")
    portal = tmp_path / "portal"
    shutil.copytree(LOCALE.parent, portal, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    subprocess.run([sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "makemessages", "-l", "de",
                    "--no-obsolete"], cwd=portal, check=True, capture_output=True)
    merged = (portal / "locale" / "de" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    fuzzy = [block.split("msgid", 1)[-1].strip()[:80] for block in merged.split("\n\n") if "#, fuzzy" in block]
    untranslated = [msgid for msgid, strs in po_entries(portal / "locale" / "de" / "LC_MESSAGES" / "django.po").items()
                    if not all(strs)]
    assert not untranslated and not fuzzy, (
        f"translate in apps/portal/locale/de (makemessages -l de, then compilemessages): {(untranslated + fuzzy)[:5]}")
