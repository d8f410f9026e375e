"""A letter's HTML to PDF (WeasyPrint), with fonts from the system (Debian's fonts-dejavu-core) and
no network: the letter's HTML is sanitised and may name no resource, and the fetcher refuses any."""
import re

from django.template.loader import render_to_string


def _no_fetching(url: str, *args, **kwargs):
    raise ValueError(f"letters fetch nothing ({url})")


def letter_html(*, title: str, tenant: str, body_html: str, footer: str) -> str:
    # The footer goes into a CSS string (the page's margin box): only characters that need no escaping there.
    footer = re.sub(r"[^\w .,:()/-]", "", footer)
    return render_to_string("letters/letter.html", {"title": title, "tenant": tenant, "body": body_html,
                                                    "footer": footer})


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=None, url_fetcher=_no_fetching).write_pdf()
