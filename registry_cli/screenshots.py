"""``./registry screenshots [DIR]``: PNGs of every page of the running site, at phone and
desktop widths, in every language. It reads and writes nothing but what a visitor would:
no report is filed, so the confirmation and tracking answer pages are not among them."""

from __future__ import annotations

import json
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

from shared.config import Settings


def add_parser(commands) -> None:
    parser = commands.add_parser("screenshots", help="PNGs of every page of the running site")
    parser.add_argument("dir", nargs="?", default="var/screenshots", type=Path)
    parser.set_defaults(handler=handle)


def handle(arguments, _extra) -> int:
    from selenium.webdriver.common.by import By

    from services.web.language import LANGUAGES
    from shared.auth.tokens import mint_dev_token
    from shared.browser import WIDTHS, full_page_png, headless_chromium

    settings = Settings.from_env()
    site = f"http://127.0.0.1:{settings.ports['web']}"
    verification = f"http://127.0.0.1:{settings.ports['verification']}"
    try:
        hits = _get(f"{verification}/v1/recruiters?q=a&limit=100")["items"]
    except OSError as error:
        print(f"registry screenshots: the system is not running ({error})", file=sys.stderr)
        return 1
    if not hits:
        print("registry screenshots: no recruiters; run ./registry seed first", file=sys.stderr)
        return 1
    shown = _one_of_each_verdict(hits)
    licensed = next((h for h in hits if h["licence_number"]), hits[0])
    receipt = _get(f"{verification}/v1/recruiters/{shown[0]['recruiter_id']}")["receipt"]
    consul = mint_dev_token(settings, "consular_officer", country="QA")
    numbers = "\n".join(
        f"{h['country']},{h['licence_number']}" for h in hits if h["licence_number"]
    )
    upload = Path(tempfile.mkstemp(suffix=".csv")[1])
    upload.write_text("country,licence_number\n" + numbers + "\nKE,NEA/PEA/0000/0000\n")

    pages: list[tuple[str, str, object]] = [
        ("search", "/", None),
        ("search-results", "/?search=1&q=a", None),
        *[(f"recruiter-{h['verdict']}", f"/recruiters/{h['recruiter_id']}", None) for h in shown],
        (
            "licence",
            f"/licences/{licensed['country']}/{urllib.parse.quote(licensed['licence_number'])}",
            None,
        ),
        ("licence-unknown", "/licences/KE/NEA/PEA/0000/0000", None),
        ("check", "/check", None),
        ("check-results", "/check", lambda d: _upload(d, upload)),
        ("report", "/report", None),
        ("track", "/track", None),
        ("receipt", "/receipt", lambda d: _paste(d, receipt)),
        ("sign-in", "/sign-in", None),
        ("recruiter-official", f"/recruiters/{shown[0]['recruiter_id']}", "official"),
    ]
    arguments.dir.mkdir(parents=True, exist_ok=True)
    written = 0
    for label, (width, height) in WIDTHS.items():
        driver = headless_chromium(width, height)
        try:
            for language in LANGUAGES:
                for name, path, action in pages:
                    joiner = "&" if "?" in path else "?"
                    driver.get(f"{site}{path}{joiner}lang={language}")
                    if action == "official":
                        _sign_in(driver, site, consul, language)
                        driver.get(f"{site}{path}{joiner}lang={language}")
                    elif action:
                        action(driver)
                    driver.set_window_size(width, height)
                    full_page_png(driver, arguments.dir / f"{name}-{language}-{label}.png", width)
                    written += 1
                    if action == "official":
                        driver.find_element(By.CSS_SELECTOR, "form.signed-in button").click()
        finally:
            driver.quit()
    upload.unlink()
    print(f"registry screenshots: {written} PNGs in {arguments.dir}")
    return 0


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (our own 127.0.0.1)
        return json.load(response)


def _one_of_each_verdict(hits: list[dict]) -> list[dict]:
    seen: dict[str, dict] = {}
    for hit in hits:
        seen.setdefault(hit["verdict"], hit)
    return [seen[v] for v in ("green", "amber", "red", "unknown") if v in seen]


def _upload(driver, upload: Path) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.ID, "file").send_keys(str(upload))
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()


def _paste(driver, receipt: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    driver.find_element(By.ID, "receipt").send_keys(receipt)
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    result = driver.find_element(By.ID, "receipt-result")
    WebDriverWait(driver, 10).until(lambda _: result.text.strip())


def _sign_in(driver, site: str, token: str, language: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{site}/sign-in?lang={language}")
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
