"""axe-core in a Playwright page: the file vendored from the npm registry (scripts/vendor-assets),
injected by Playwright, never fetched from a CDN.

The pages' Content-Security-Policy allows scripts from the site only, so the file is not inlined:
Playwright answers a same-origin address with it (the request never reaches the server)."""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
# WCAG 2.0 A and AA (the level GB/T 37668 asks for) and axe's best practices.
TAGS = ["wcag2a", "wcag2aa", "best-practice"]
BLOCKING = {"serious", "critical"}


def blocking_violations(page) -> list[str]:
    """Run axe on the page as it is and describe each serious or critical violation."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.route("**/__axe-core.min.js", lambda route: route.fulfill(path=str(AXE), content_type="text/javascript"))
        origin = page.evaluate("location.origin")
        page.add_script_tag(url=f"{origin}/__axe-core.min.js")
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    found = []
    for violation in result["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        nodes = violation["nodes"]
        first = nodes[0]
        summary = " ".join(first["failureSummary"].split())[:400]
        found.append(f"{violation['id']} ({violation['impact']}) ×{len(nodes)}, e.g. {first['target']}: {summary}")
    return found
