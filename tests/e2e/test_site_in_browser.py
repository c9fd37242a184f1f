"""The public site in real headless Chromium, against the four services and the site
running as separate processes (embedded backend): in every language a worker checks a
licence number, files a report and tracks it; an employer checks a CSV; an official
signs in and sees what the public does not; a receipt verifies and a tampered one does
not. Every page passes axe-core (no serious or critical finding) at phone and desktop
widths, stays within 60 KB and asks nothing of a third party.
"""

from __future__ import annotations

import time
import urllib.parse
from datetime import date, timedelta
from pathlib import Path

import jwt
import pytest
from babel import Locale
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait

from shared.auth.keys import public_jwk
from shared.auth.tokens import mint_dev_token
from shared.browser import headless_chromium
from shared.config import SITE, Settings
from shared.consumer import wait_for
from tests.e2e.services import Running, call
from tests.e2e.site_browser import check_page, said

LANGUAGES = ["en", "fil", "ne", "id", "ar"]
SERVICES = ["licensing", "certification", "monitoring", "verification", SITE]
UNLIMITED = {"REGISTRY_PUBLIC_RATE_PER_MINUTE": "1000000"}
LICENCE = ("PH", "DMW-E2E-031524")
NEPALI_LICENCE = ("NP", "1300/081/082")
VIOLATION = "Charged workers a placement fee of 3 months' wages"


def write_key(folder: Path, created: int, key) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (folder / f"key-{created}.pem").write_bytes(pem)


def a_new_page(driver) -> bool:
    """The click's answer has replaced the page, and has loaded. A mark left on the old
    page's window tells them apart: until the new document commits, the old one still
    says it is complete, and asking about its nodes may fail for reasons other than
    their being gone."""
    return driver.execute_script(
        "return window.registryOldPage === undefined && document.readyState === 'complete'"
    )


class Registry:
    """The running system, its data, and a browser."""

    def __init__(self, root: Path):
        self.settings = Settings(backend="embedded", data_dir=root / "data")
        keys = root / "data" / "verification" / "receipt-keys"
        keys.mkdir(parents=True)
        # Two keys in the ring: the older EC key (ES256) stays published, the newer
        # Ed25519 key (EdDSA) signs: the browser must check both kinds.
        self.es256 = ec.generate_private_key(ec.SECP256R1())
        write_key(keys, int(time.time()) - 3600, self.es256)
        write_key(keys, int(time.time()) - 1800, ed25519.Ed25519PrivateKey.generate())
        self.running = Running(self.settings, SERVICES, logs=root, **UNLIMITED)
        self.site = self.running.url(SITE)
        self.consul = mint_dev_token(self.settings, "consular_officer", country="QA")
        self.recruiter_id = self.register(
            "PH", "Peñafrancia Ñino Manpower Corp.", "CS-E2E-0001", LICENCE[1]
        )
        self.register("NP", "हिमालय म्यानपावर प्रा. लि.", "E2E-2081-0042", NEPALI_LICENCE[1])
        ministry = mint_dev_token(self.settings, "ministry_officer", country="PH")
        self.write(
            "licensing",
            f"/v1/recruiters/{self.recruiter_id}/violations",
            {"description": VIOLATION, "decided_on": "2025-06-01"},
            ministry,
        )
        assert wait_for(lambda: self.known(*NEPALI_LICENCE) and self.has_violation(), timeout=60)
        self.downloads = root / "downloads"
        self.downloads.mkdir()
        self.browser = headless_chromium(1280, 900, downloads=self.downloads)

    def write(self, service: str, path: str, body: dict, token: str) -> dict:
        status, answer = call(self.running.url(service), path, token, body)
        assert status in (200, 201), (path, status, answer)
        return answer

    def register(self, country: str, name: str, number: str, licence: str) -> str:
        ministry = mint_dev_token(self.settings, "ministry_officer", country=country)
        recruiter = self.write(
            "licensing",
            "/v1/recruiters",
            {"legal_name": name, "country": country, "registration_number": number},
            ministry,
        )
        applied = self.write(
            "licensing",
            "/v1/licences",
            {"recruiter_id": recruiter["recruiter_id"], "licence_number": licence},
            ministry,
        )
        today = date.today()
        self.write(
            "licensing",
            f"/v1/licences/{applied['licence_id']}/issue",
            {
                "valid_from": (today - timedelta(days=200)).isoformat(),
                "valid_until": (today + timedelta(days=700)).isoformat(),
            },
            ministry,
        )
        return recruiter["recruiter_id"]

    def known(self, country: str, number: str) -> bool:
        path = f"/v1/licences/{country}/{urllib.parse.quote(number)}"
        status, answer = call(self.running.url("verification"), path)
        return status == 200 and answer["verdict"] == "green"

    def has_violation(self) -> bool:
        path = f"/v1/recruiters/{self.recruiter_id}"
        status, answer = call(self.running.url("verification"), path, self.consul)
        return status == 200 and bool(answer.get("detail", {}).get("violations"))

    def receipt(self) -> str:
        status, answer = call(
            self.running.url("verification"), f"/v1/recruiters/{self.recruiter_id}"
        )
        assert status == 200
        return answer["receipt"]

    def open(self, path: str, language: str) -> None:
        joiner = "&" if "?" in path else "?"
        self.browser.get(f"{self.site}{path}{joiner}lang={language}")

    def text(self) -> str:
        return self.browser.find_element(By.TAG_NAME, "main").text

    def submit(self, form_selector: str = "main form", navigates: bool = True) -> None:
        """Press the form's button; unless the page checks it in place (the receipt), wait
        for the answer to replace the page."""
        self.loaded()
        self.browser.execute_script("window.registryOldPage = true")
        self.browser.find_element(By.CSS_SELECTOR, f"{form_selector} button[type=submit]").click()
        if navigates:
            # While the page is being replaced the browser may refuse to run a script.
            waiting = WebDriverWait(self.browser, 30, ignored_exceptions=(WebDriverException,))
            waiting.until(a_new_page)

    def loaded(self) -> None:
        # On a busy machine a page may still be replacing the last when the test reads it.
        WebDriverWait(self.browser, 30).until(
            lambda browser: browser.execute_script("return document.readyState") == "complete"
        )

    def check(self, language: str) -> None:
        check_page(self.browser, self.site, language)

    def stop(self) -> None:
        try:
            self.browser.quit()
        finally:
            self.running.stop()


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    running = Registry(tmp_path_factory.mktemp("site"))
    yield running
    running.stop()


def verdict_word(language: str, verdict: str = "green") -> str:
    words = {
        "green": "Licensed, no warnings",
        "amber": "Licensed, with warnings",
        "red": "Not licensed now",
        "unknown": "Cannot say now",
    }
    return said(language, words[verdict])


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_worker_checks_a_licence_number_files_a_report_and_tracks_it(registry, language):
    browser = registry.browser
    registry.open("/", language)
    registry.check(language)
    browser.find_element(By.ID, "q").send_keys("penafrancia nino")
    registry.submit("form.search")
    hits = browser.find_elements(By.CSS_SELECTOR, "ul.hits li")
    assert len(hits) == 1 and "Peñafrancia Ñino Manpower Corp." in hits[0].text
    registry.check(language)
    registry.open("/?search=1&q=", language)
    assert said(language, "Nothing to search for") in registry.text()
    registry.check(language)

    registry.open("/", language)
    Select(browser.find_element(By.ID, "country")).select_by_value(NEPALI_LICENCE[0])
    browser.find_element(By.ID, "number").send_keys(NEPALI_LICENCE[1])
    registry.submit("form.search")
    assert browser.current_url.startswith(f"{registry.site}/licences/NP/1300/081/082")
    assert "हिमालय म्यानपावर प्रा. लि." in registry.text()
    badge = browser.find_element(By.CSS_SELECTOR, "#verdict .verdict").text
    assert badge == f"✔ {verdict_word(language)}"
    registry.check(language)

    registry.open("/licences/NP/9999/999", language)
    nepal = Locale.parse(language).territories["NP"]
    unknown = (
        "No recruiter with licence number %(number)s in %(country)s is known to this registry."
    )
    assert said(language, unknown, number="9999/999", country=nepal) in registry.text()
    registry.check(language)

    registry.open(f"/recruiters/{registry.recruiter_id}", language)
    registry.check(language)
    report_link = browser.find_element(By.CSS_SELECTOR, "a[href*='/report?recruiter_id=']")
    registry.open(report_link.get_attribute("href").removeprefix(registry.site), language)
    registry.check(language)
    browser.find_element(By.ID, "category-passport_retention").click()
    browser.find_element(By.ID, "narrative").send_keys("They kept my passport.")
    registry.submit()
    assert said(language, "Report received") in registry.text()
    code = browser.find_element(By.ID, "code").get_attribute("value")
    assert len(code) >= 16 and code not in browser.current_url
    registry.check(language)

    registry.open("/track", language)
    registry.check(language)
    browser.find_element(By.ID, "code").send_keys(code)
    registry.submit()
    assert code not in browser.current_url
    status = browser.find_element(By.ID, "report-status").text
    assert said(language, "received") in status
    registry.check(language)

    browser.find_element(By.ID, "code").send_keys("not-a-code-anyone-was-given")
    registry.submit()
    wrong = said(language, "No report has this tracking code. Check it and try again.")
    assert wrong in registry.text()
    registry.check(language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_employer_checks_a_csv_of_recruiters_and_downloads_the_results(
    registry, language, tmp_path
):
    upload = tmp_path / "recruiters.csv"
    upload.write_text(
        "country,licence_number\n"
        f"{LICENCE[0]},{LICENCE[1]}\n"
        f"{NEPALI_LICENCE[0]},{NEPALI_LICENCE[1]}\n"
        "KE,NEA/PEA/0000/0000\n"
    )
    browser = registry.browser
    registry.open("/check", language)
    registry.check(language)
    browser.find_element(By.ID, "file").send_keys(str(upload))
    registry.submit()
    rows = browser.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == 3
    assert verdict_word(language) in rows[0].text and "Peñafrancia" in rows[0].text
    assert said(language, "Not known to this registry") in rows[2].text
    registry.check(language)

    before = set(registry.downloads.iterdir())
    browser.find_element(By.CSS_SELECTOR, "form[action$='results.csv'] button").click()
    assert wait_for(lambda: set(registry.downloads.glob("*.csv")) - before, timeout=20)
    (saved,) = set(registry.downloads.glob("*.csv")) - before
    lines = saved.read_text().splitlines()
    assert lines[1].split(",")[4:7] == ["yes", "Peñafrancia Ñino Manpower Corp.", "green"]
    assert lines[3].split(",")[4] == "no"
    receipt = lines[-1].split(",")[1]
    assert jwt.get_unverified_header(receipt)["alg"] == "EdDSA"

    bad = tmp_path / "bad.csv"
    bad.write_text("country,licence_number\nXX,1\n")
    registry.open("/check", language)
    browser.find_element(By.ID, "file").send_keys(str(bad))
    registry.submit()
    assert said(language, "Row %(row)s", row="2") in registry.text()
    registry.check(language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_official_signs_in_and_sees_what_the_public_does_not(registry, language):
    browser = registry.browser
    registry.open(f"/recruiters/{registry.recruiter_id}", language)
    assert VIOLATION not in registry.text()
    assert not browser.find_elements(By.ID, "official-detail")

    registry.open("/sign-in", language)
    registry.check(language)
    browser.find_element(By.ID, "token").send_keys(registry.consul)
    registry.submit()
    assert registry.consul not in browser.current_url
    registry.open(f"/recruiters/{registry.recruiter_id}", language)
    detail = browser.find_element(By.ID, "official-detail").find_element(By.XPATH, "..")
    assert said(language, "For officials") in detail.text and VIOLATION in detail.text
    registry.check(language)
    cookie = browser.get_cookie("official")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"

    registry.submit("form.signed-in")
    registry.open(f"/recruiters/{registry.recruiter_id}", language)
    assert VIOLATION not in registry.text()
    assert browser.get_cookie("official") is None


def es256_receipt(registry) -> str:
    """A receipt signed by the ring's older EC key, which the JWKS still publishes."""
    claims = jwt.decode(registry.receipt(), options={"verify_signature": False})
    kid = public_jwk(registry.es256)["kid"]
    return jwt.encode(claims, registry.es256, algorithm="ES256", headers={"kid": kid})


def tampered(receipt: str) -> str:
    header, payload, signature = receipt.split(".")
    claims = jwt.utils.base64url_decode(payload).replace(b'"green"', b'"amber"')
    assert claims != jwt.utils.base64url_decode(payload)
    return ".".join([header, jwt.utils.base64url_encode(claims).decode(), signature])


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_receipt_verifies_in_the_browser_and_a_tampered_one_does_not(registry, language):
    browser = registry.browser
    receipt = registry.receipt()
    cases = [
        (receipt, "✔ Valid: this receipt was signed by the registry."),
        (es256_receipt(registry), "✔ Valid: this receipt was signed by the registry."),
        (tampered(receipt), "✖ Not valid: this receipt was changed or not signed by the registry."),
        (
            receipt[:-4] + "AAAA",
            "✖ Not valid: this receipt was changed or not signed by the registry.",
        ),
        ("hello", "✖ Not valid: this is not a receipt."),
    ]
    for pasted, expected in cases:
        registry.open("/receipt", language)
        browser.find_element(By.ID, "receipt").send_keys(pasted)
        registry.submit(navigates=False)
        result = browser.find_element(By.ID, "receipt-result")
        WebDriverWait(browser, 10).until(lambda _, shown=result: shown.text.strip())
        assert result.text.splitlines()[0] == said(language, expected), pasted[:20]
        if expected.startswith("✔"):
            assert verdict_word(language) in result.text and "Peñafrancia" in result.text
            registry.check(language)
