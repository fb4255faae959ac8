"""Locale fallback, step by step: the exact tag, then its language, then the default; per text; any case."""

from __future__ import annotations

import pytest

from shared.domain.locales import fallbacks, localized

TRANSLATIONS = {
    "fr": {"name": "Casque", "description": "Un casque"},
    "fr-CA": {"description": "Un casque au Canada"},
    "zh-hant": {"name": "耳機"},
}


def name(language: str | None) -> str | None:
    return localized(TRANSLATIONS, language, lambda t: t.get("name"), "Headphones")


def description(language: str | None) -> str | None:
    return localized(TRANSLATIONS, language, lambda t: t.get("description"), None)


def test_the_exact_tag_first() -> None:
    assert description("fr-CA") == "Un casque au Canada"
    assert name("fr") == "Casque"


def test_then_its_language_for_each_text_the_tag_lacks() -> None:
    assert name("fr-CA") == "Casque"  # fr-CA has only a description
    assert description("fr-BE") == "Un casque"


def test_then_the_default() -> None:
    assert (name("de"), description("de")) == ("Headphones", None)
    assert name(None) == name("") == "Headphones"
    assert description("zh-Hant-TW") is None  # zh-hant has no description, and there is no zh


@pytest.mark.parametrize("language", ["fr-ca", "FR-CA", "Fr-Ca"])
def test_tags_compare_case_insensitively(language: str) -> None:
    assert description(language) == "Un casque au Canada"


def test_every_subtag_is_dropped_in_turn() -> None:
    assert fallbacks("zh-Hant-TW") == ["zh-hant-tw", "zh-hant", "zh"]
    assert name("zh-Hant-TW") == "耳機"
