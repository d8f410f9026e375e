"""A typical portal page weighs under 150 KB uncompressed: its HTML and its one stylesheet (no
scripts, no web fonts, no images besides the favicon)."""
from pathlib import Path

from django.conf import settings

from .test_isolation import _pages_without_ids, history

CSS = Path(settings.BASE_DIR) / "apps" / "portal" / "static" / "portal" / "portal.css"
LIMIT = 150 * 1024


def test_every_page_with_its_stylesheet_stays_under_150_kb(client, world, as_user):
    history(world, 12)
    as_user(world.employee)
    for url in _pages_without_ids():
        html = client.get(url).content
        assert b"<script" not in html and b"@font-face" not in CSS.read_bytes()
        assert len(html) + CSS.stat().st_size < LIMIT, (url, len(html))
