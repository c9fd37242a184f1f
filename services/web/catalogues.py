"""The site's gettext catalogues: extract every message, merge it into each language's
.po, and compile the .mo files Flask-Babel reads.

The .mo files are committed beside their .po so that ``./registry up`` and the image need
no build step; a test fails when a .mo no longer matches its .po, or a message has no
translation.
"""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

from services.web.language import LANGUAGES

SITE = Path(__file__).resolve().parent
TRANSLATIONS = SITE / "translations"
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]


def extracted() -> Catalog:
    """Every message the site's code and templates ask to translate."""
    template = Catalog(project="recruiter-registry web", fuzzy=False)
    for _file, _line, message, comments, context in extract_from_dir(
        SITE, METHODS, keywords=KEYWORDS, strip_comment_tags=True
    ):
        template.add(message, None, auto_comments=comments, context=context)
    return template


def po_path(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"


def read(language: str) -> Catalog:
    with po_path(language).open("rb") as source:
        return read_po(source, locale=language)


def compiled(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def read_compiled(language: str) -> Catalog:
    with po_path(language).with_suffix(".mo").open("rb") as source:
        return read_mo(source)


def update(languages=None) -> dict[str, list[str]]:
    """Merge new messages into each .po and compile it; the messages still untranslated."""
    template = extracted()
    missing = {}
    for language in languages or [code for code in LANGUAGES if code != "en"]:
        path = po_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        catalog = read(language) if path.exists() else Catalog(locale=language)
        created = catalog.creation_date
        catalog.update(template, no_fuzzy_matching=True)
        # A run that changes no message leaves the files as they were.
        catalog.creation_date = created
        with path.open("wb") as target:
            write_po(target, catalog, no_location=True, width=100, ignore_obsolete=True)
        path.with_suffix(".mo").write_bytes(compiled(catalog))
        missing[language] = [m.id for m in catalog if m.id and not m.string]
    return missing
