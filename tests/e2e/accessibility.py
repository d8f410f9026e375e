"""axe-core in the browser tests: the engine comes from the pinned npm devDependency in
tests/e2e/package.json (`make test` runs `npm ci` there), is read from node_modules and evaluated in
the page, so no page ever loads it from a CDN."""
import os
import shutil
from pathlib import Path

AXE_JS = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"

# `make test` installs it first and sets SDK_TEST_REQUIRED=1: CI never skips the accessibility tests.
AXE_MISSING = (None if AXE_JS.exists() else
               "axe-core is not installed: run `make axe` (npm ci in tests/e2e)" if shutil.which("npm")
               else "npm is not installed: the accessibility tests need axe-core from npm")
if AXE_MISSING and os.environ.get("SDK_TEST_REQUIRED") == "1":
    raise RuntimeError(f"accessibility tests required but {AXE_MISSING}")

# Rules held on every page whatever impact axe gives them: these are what a keyboard or screen-reader
# user meets first (axe rates heading order and a missing <main> only "moderate").
ALWAYS = {"landmark-one-main", "heading-order", "page-has-heading-one", "label", "region", "bypass",
          "skip-link", "landmark-no-duplicate-main", "landmark-unique", "empty-heading", "select-name"}


def axe_violations(page) -> list[dict]:
    """Run axe (WCAG 2 A/AA and best practices) on the page as it is; return what must not be there:
    every serious or critical violation and any violation of the ALWAYS rules."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: the page's CSP (no inline scripts) does not apply.
        page.evaluate(AXE_JS.read_text())
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
    }""")
    return [v for v in result if v["impact"] in ("serious", "critical") or v["id"] in ALWAYS]


def describe(violations: list[dict]) -> str:
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in violations)
