"""Headless Chromium for the site's browser tests and screenshots: Debian's ``chromium``
and ``chromium-driver``, installed with apt when missing, driven by selenium with no
download of its own."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

CHROMEDRIVER = Path("/usr/bin/chromedriver")
# Devanagari and Bengali glyphs (Nepali pages, names in Bangladesh); Arabic and Latin
# come with chromium's own fonts.
PACKAGES = ("chromium", "chromium-driver", "fonts-lohit-deva", "fonts-lohit-beng-bengali")
FONTS = (
    Path("/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf"),
    Path("/usr/share/fonts/truetype/lohit-bengali/Lohit-Bengali.ttf"),
)
WIDTHS = {"phone": (360, 740), "desktop": (1280, 900)}


class NoBrowser(RuntimeError):
    """Chromium is missing and could not be installed."""


def ensure_chromium() -> None:
    """Install Debian's chromium and its driver (one source package, so their versions
    match) if absent."""
    if CHROMEDRIVER.exists() and shutil.which("chromium") and all(f.exists() for f in FONTS):
        return
    if os.geteuid() != 0:
        raise NoBrowser(f"install {' '.join(PACKAGES)} with apt-get (needs root)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *PACKAGES]):
        if subprocess.run(command, env=env, check=False).returncode != 0:
            raise NoBrowser(f"{' '.join(command)} failed")
    if not CHROMEDRIVER.exists():
        raise NoBrowser("chromium-driver installed no /usr/bin/chromedriver")


def headless_chromium(width: int, height: int, downloads: Path | None = None):
    """``downloads``: a folder that takes every download without asking."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    ensure_chromium()
    options = webdriver.ChromeOptions()
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--hide-scrollbars",
        f"--window-size={width},{height}",
    ):
        options.add_argument(argument)
    if downloads is not None:
        # Chromium asks before a site's second download; a test has no one to answer.
        prefs = {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "profile.default_content_setting_values.automatic_downloads": 1,
        }
        options.add_experimental_option("prefs", prefs)
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


def full_page_png(driver, path: Path, width: int) -> None:
    """A PNG of the whole page at this width, not just the first screen."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(max(height, 200), 8000))
    path.write_bytes(driver.get_screenshot_as_png())
