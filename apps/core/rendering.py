"""User-written Markdown to HTML that is safe to show to anyone, including a superuser.

Markdown first, then the HTML sanitiser nh3 (an allow-list of tags, attributes and URL schemes)
on the result: whatever the Markdown produced, raw HTML included, only the allowed parts remain.
"""
import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "ins", "kbd", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
})
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "ol": {"start"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Dropped with their content, not just unwrapped: their text is code or styling, never prose.
DROPPED_WITH_CONTENT = frozenset({"script", "style", "template", "iframe", "object", "embed", "noscript"})


def sanitize_html(fragment: str) -> str:
    return nh3.clean(
        fragment, tags=set(ALLOWED_TAGS), attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES), clean_content_tags=set(DROPPED_WITH_CONTENT),
        link_rel="noopener noreferrer nofollow",
    )


def render_markdown(text: str | None, *, top_heading: int = 1) -> SafeString:
    """`top_heading=2` renders the text's `#` as <h2> (and so on down): a page that has its own <h1>
    keeps one, and its outline in order."""
    html = markdown.markdown(text or "", extensions=["extra", "sane_lists", "toc"], output_format="html",
                             extension_configs={"toc": {"baselevel": top_heading}})
    return mark_safe(sanitize_html(html))  # noqa: S308 - sanitised by nh3 just above
