"""The catalogues of every language eduport speaks besides English, read from their .po
files and compiled in memory once (no build step): ``messages`` (the emails and in-app
texts) and ``problems`` (titles and details of problem responses). English is the source
text, so it needs no catalogue."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).parent / "locales"


@cache
def translations(locale: str, domain: str) -> NullTranslations:
    path = LOCALES_DIR / locale / "LC_MESSAGES" / f"{domain}.po"
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as source:
        catalog = read_po(source, locale=locale, domain=domain)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=domain)
