"""Texts in a requested language: the exact tag, then its language, then the default (RFC 4647 lookup).

Each text falls back on its own (a ``fr-CA`` translation giving only a description still reads the ``fr``
name), and tags compare case-insensitively, as BCP 47 says (``fr-CA`` and ``fr-ca`` are one tag).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping


def fallbacks(language: str) -> list[str]:
    """The tags to read, most specific first: ``zh-Hant-TW``, ``zh-Hant``, ``zh`` (lower case)."""
    subtags = language.lower().split("-")
    return ["-".join(subtags[:count]) for count in range(len(subtags), 0, -1)]


def localized[T](
    translations: Mapping[str, T], language: str | None, text: Callable[[T], str | None], default: str | None
) -> str | None:
    """``text`` of the most specific translation of ``language`` that has it, else ``default``."""
    if not language:
        return default
    by_tag = {tag.lower(): translation for tag, translation in translations.items()}
    for tag in fallbacks(language):
        found = text(by_tag[tag]) if tag in by_tag else None
        if found:
            return found
    return default
