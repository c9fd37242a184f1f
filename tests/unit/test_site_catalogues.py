"""Every message the site shows is translated into each language, and the compiled
catalogues the site reads say what their sources say."""

from __future__ import annotations

import re

import pytest

from services.web.catalogues import compiled, extracted, read, read_compiled
from services.web.language import LANGUAGES

TRANSLATED = [code for code in LANGUAGES if code != "en"]
PLACEHOLDER = re.compile(r"%\(\w+\)s")


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_has_a_translation_with_the_same_placeholders(language):
    catalogue = read(language)
    for message in extracted():
        if not message.id:
            continue
        translated = catalogue.get(message.id)
        assert translated is not None and translated.string, (language, message.id)
        assert not translated.fuzzy, (language, message.id)
        assert sorted(PLACEHOLDER.findall(translated.string)) == sorted(
            PLACEHOLDER.findall(message.id)
        ), (language, message.id)


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_compiled_catalogue_is_the_source_compiled(language):
    source = {m.id: m.string for m in read(language) if m.id}
    shipped = {m.id: m.string for m in read_compiled(language) if m.id}
    assert shipped == source
    assert compiled(read(language))
