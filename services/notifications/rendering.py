"""Jinja2 templates of the mails: one file per locale and kind with three blocks.

`templates/<locale>/<kind>.j2` holds `subject`, `text` and `html` blocks. The HTML block is
rendered with autoescaping (every value from an event or a contact is escaped) and put into
`_layout.html.j2`; subject and text are plain text. Undefined names are errors, so a template
that misses a value fails its test instead of sending a blank.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup

TEMPLATES = Path(__file__).parent / "templates"
LOCALES = ("en", "sv")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def _money(minor: int, currency: str, locale: str) -> str:
    amount = f"{minor / 100:,.2f}"
    if locale == "sv":
        return amount.replace(",", " ").replace(".", ",") + f" {currency.upper()}"
    return f"{currency.upper()} {amount}"


class Templates:
    def __init__(self, timezone: str = "Europe/Stockholm") -> None:
        loader = jinja2.FileSystemLoader(TEMPLATES)
        self._zone = ZoneInfo(timezone)
        common: dict[str, Any] = {
            "loader": loader,
            "undefined": jinja2.StrictUndefined,
            "trim_blocks": True,
            "lstrip_blocks": True,
        }
        self._html = jinja2.Environment(autoescape=True, **common)
        # Subjects and plain-text parts are not HTML: escaping would show "&amp;" to readers.
        self._plain = jinja2.Environment(autoescape=False, **common)  # noqa: S701
        for env in (self._html, self._plain):
            env.filters["when"] = self._when

    def _when(self, value: str | datetime | None, locale: str = "en") -> str:
        if value is None:
            return "-"
        at = datetime.fromisoformat(value) if isinstance(value, str) else value
        local = at.astimezone(self._zone)
        return local.strftime("%Y-%m-%d %H:%M") + (" (svensk tid)" if locale == "sv" else "")

    def _block(self, env: jinja2.Environment, name: str, block: str, values: dict[str, Any]) -> str:
        template = env.get_template(name)
        return "".join(template.blocks[block](template.new_context(values))).strip()

    def render(self, kind: str, locale: str, context: dict[str, Any]) -> Rendered:
        locale = locale if locale in LOCALES else "en"
        values = {
            **context,
            "locale": locale,
            "money": lambda minor, currency: _money(minor, currency, locale),
        }
        name = f"{locale}/{kind}.j2"
        subject = " ".join(self._block(self._plain, name, "subject", values).split())
        text = self._block(self._plain, name, "text", values)
        body = self._block(self._html, name, "html", values)
        layout = self._html.get_template("_layout.html.j2")
        # `body` was rendered with autoescaping: every value in it is escaped already.
        html = layout.render(subject=subject, body=Markup(body), locale=locale)  # noqa: S704
        return Rendered(subject=subject, text=text + "\n", html=html)
