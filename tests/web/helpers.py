"""What every browser journey does: log in, check accessibility, save screenshots."""

import os
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

REPO = Path(__file__).resolve().parents[2]
AXE_JS = (REPO / "tests" / "vendor" / "axe.min.js").read_text(encoding="utf-8")
SCREENSHOTS = REPO / "docs" / "screenshots"
# A test run leaves the tracked README pictures alone unless asked to refresh them.
REFRESH_SCREENSHOTS = os.environ.get("JOBBRO_SCREENSHOTS") == "1"
DEMO_PASSWORD = "jobbro-demo"


def log_in(page: Page, email: str) -> None:
    """Log in through the form and land on Mine jobordrer."""
    page.context.clear_cookies()
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Adgangskode").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def assert_accessible(page: Page) -> None:
    """axe-core finds no serious or critical violations on the current page."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Through DevTools, not a <script> tag: the pages' Content-Security-Policy
        # rightly refuses inline scripts, and the tests keep it switched on.
        cdp = page.context.new_cdp_session(page)
        cdp.send("Runtime.evaluate", {"expression": AXE_JS})
        cdp.detach()
    result: dict[str, Any] = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    bad = [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]
    summary = [
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:5])
        for v in bad
    ]
    assert not bad, f"axe violations on {page.url}:\n" + "\n".join(summary)


def screenshot(page: Page, name: str, *, full_page: bool = False) -> None:
    """Save a screenshot of the current page for the README (with JOBBRO_SCREENSHOTS=1)."""
    if not REFRESH_SCREENSHOTS:
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def fits_narrow_screen(page: Page) -> None:
    """At 390 px the page does not scroll sideways (tables scroll inside their box)."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 392, f"{page.url} is {width}px wide at a 390-px viewport"
