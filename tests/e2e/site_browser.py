"""What the site's browser tests share: axe-core, page weight, translated words."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from babel.support import Translations

from services.web.catalogues import TRANSLATIONS
from shared.browser import WIDTHS

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
PAGE_BUDGET = 60 * 1024
RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ["violations"]})
  .then((result) => done(result.violations.map((v) => ({
    id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" "))}))))
  .catch((error) => done([{id: "axe-failed", impact: "critical", nodes: [String(error)]}]));
"""
WEIGHT = """
const entries = [...performance.getEntriesByType("navigation"),
                 ...performance.getEntriesByType("resource")];
return entries.map((e) => [e.name, e.transferSize || e.encodedBodySize || 0]);
"""


@cache
def axe_source() -> str:
    return AXE.read_text()


@cache
def catalogue(language: str):
    return Translations.load(str(TRANSLATIONS), [language])


def said(language: str, message: str, **values) -> str:
    """``message`` as the site says it in ``language``."""
    text = catalogue(language).gettext(message)
    return text % values if values else text


def serious_violations(driver) -> list[dict]:
    """axe-core's serious and critical findings on the page, at phone and desktop widths."""
    found = []
    for width, height in WIDTHS.values():
        driver.set_window_size(width, height)
        driver.execute_script(axe_source())
        driver.set_script_timeout(60)
        for violation in driver.execute_async_script(RUN_AXE):
            if violation["impact"] in ("serious", "critical"):
                found.append({**violation, "width": width})
    return found


def weighed(driver, origin: str) -> tuple[int, list[str]]:
    """Bytes the page transferred (images aside), and any address outside the site."""
    entries = driver.execute_script(WEIGHT)
    foreign = [name for name, _ in entries if not name.startswith(origin)]
    images = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".ico")
    total = sum(size for name, size in entries if not name.lower().endswith(images))
    return total, foreign


def check_page(driver, origin: str, language: str) -> None:
    """What holds on every page: its language and direction, no serious axe finding, no
    third-party request, within the weight budget."""
    root = driver.find_element("tag name", "html")
    assert root.get_attribute("lang") == language
    assert root.get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    total, foreign = weighed(driver, origin)
    assert not foreign, foreign
    assert total <= PAGE_BUDGET, (driver.current_url, total)
    violations = serious_violations(driver)
    assert not violations, json.dumps(violations, ensure_ascii=False, indent=1)
