"""Messages rendered from Jinja2 templates, with Babel catalogues for the languages.

Each kind of message is a template pair in ``messages/``: ``<kind>.txt`` (its first line is
the subject, then a blank line, then the plain-text body) and ``<kind>.html``. English is the
templates' own text; other languages are catalogues (``adapters/locales``, see
``adapters.i18n``), read at start-up. Right-to-left languages get ``dir="rtl"`` and every
embedded value (a name, an amount, a reference) is isolated for the bidi algorithm: ``<bdi>``
in HTML, FSI...PDI in plain text. Amounts are formatted for the reader's locale.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context
from markupsafe import Markup, escape

from adapters.i18n import translations
from application.messaging.ports import RenderedMessage
from domain.shared.errors import InvalidValue
from domain.shared.money import Money, currency_exponent

HERE = Path(__file__).parent
LOCALES = ("en", "ar")
RIGHT_TO_LEFT = frozenset({"ar"})
_ISOLATE = ("\u2068", "\u2069")  # FIRST STRONG ISOLATE ... POP DIRECTIONAL ISOLATE
BILINGUAL_SEPARATOR = "\n\n----------------------------------------\n\n"


@pass_context
def _isolate(context: Context, value: Any) -> Any:
    if context.get("_dir") != "rtl":
        return value
    if context.get("_html"):
        return Markup("<bdi>") + escape(value) + Markup("</bdi>")
    return f"{_ISOLATE[0]}{value}{_ISOLATE[1]}"


@pass_context
def _money(context: Context, amount: Money) -> str:
    exponent = currency_exponent(amount.currency)
    value = Decimal(amount.amount_minor).scaleb(-exponent)
    pattern = "#,##0" + ("." + "0" * exponent if exponent else "")
    return f"{format_decimal(value, format=pattern, locale=context['_locale'])} {amount.currency}"


@cache
def _environment(locale: str) -> Environment:
    environment = Environment(
        loader=FileSystemLoader(HERE / "messages"), extensions=["jinja2.ext.i18n"],
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined, keep_trailing_newline=True)
    environment.install_gettext_translations(translations(locale, "messages"), newstyle=True)
    environment.filters.update(iso=_isolate, money=_money)
    return environment


class JinjaMessageTemplates:
    def __init__(self) -> None:
        for locale in LOCALES:  # read every catalogue now: a broken one fails at start-up
            _environment(locale)

    def render(self, kind: str, locales: Sequence[str],
               context: Mapping[str, Any]) -> RenderedMessage:
        parts = [self._render(kind, locale, context) for locale in locales]
        if not parts:
            raise InvalidValue("a message needs at least one language")
        layout = _environment(locales[0]).get_template("_layout.html")
        html = layout.render(parts=[
            {"dir": _direction(loc), "lang": loc, "html": Markup(html)}  # noqa: S704 (ours)
            for loc, (_, _, html) in zip(locales, parts, strict=True)])
        return RenderedMessage(subject=" / ".join(subject for subject, _, _ in parts),
                               text=BILINGUAL_SEPARATOR.join(text for _, text, _ in parts),
                               html=html)

    def summary(self, kind: str, locale: str, context: Mapping[str, Any]) -> str:
        subject, _, _ = self._render(kind, locale, context, subject_only=True)
        return subject

    def _render(self, kind: str, locale: str, context: Mapping[str, Any],
                subject_only: bool = False) -> tuple[str, str, str]:
        if locale not in LOCALES:
            raise InvalidValue(f"no messages in {locale!r}; eduport speaks {', '.join(LOCALES)}")
        environment = _environment(locale)
        variables = {**context, "_locale": locale, "_dir": _direction(locale)}
        try:
            text_template = environment.get_template(f"{kind}.txt")
            if subject_only:
                # The subject line is rendered alone, from the safe fields only.
                source = Path(str(text_template.filename)).read_text().split("\n", 1)[0]
                return environment.from_string(source).render(variables).strip(), "", ""
            html_template = environment.get_template(f"{kind}.html")
        except TemplateNotFound as error:
            raise InvalidValue(f"no templates for messages of kind {kind!r}") from error
        subject, _, text = text_template.render(variables).partition("\n\n")
        html = html_template.render({**variables, "_html": True})
        return subject.strip(), text, html


def _direction(locale: str) -> str:
    return "rtl" if locale in RIGHT_TO_LEFT else "ltr"
