"""Message catalogs (`ja.toml`, `en.toml`) and the translator the App owns (no globals)."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from importlib import resources
from typing import Any

from kiosk.text import sanitize

LANGUAGES: tuple[str, ...] = ("ja", "en")
DEFAULT_LANGUAGE = "ja"


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


def load_catalog(language: str) -> dict[str, str]:
    """The flattened catalog of one language: {"banner.accepted": "受付しました", ...}."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    text = resources.files(__package__).joinpath(f"{language}.toml").read_text("utf-8")
    return _flatten(tomllib.loads(text))


class Translator:
    """Looks strings up in the current language's catalog and fills in `{name}` fields.

    Values are sanitised (control characters and escapes stripped). The result is plain text:
    widgets render it with `rich.text.Text` or `markup=False`, never as markup.
    """

    def __init__(self, language: str = DEFAULT_LANGUAGE) -> None:
        self._catalogs = {lang: load_catalog(lang) for lang in LANGUAGES}
        self.language = language

    @property
    def language(self) -> str:
        return self._language

    @language.setter
    def language(self, language: str) -> None:
        if language not in self._catalogs:
            raise ValueError(f"unknown language {language!r}")
        self._language = language

    def has(self, key: str) -> bool:
        return key in self._catalogs[self._language]

    def __call__(self, key: str, **values: object) -> str:
        template = self._catalogs[self._language].get(key)
        if template is None:
            template = self._catalogs[DEFAULT_LANGUAGE].get(key, key)
        if not values:
            return template
        return template.format_map({name: sanitize(str(v)) for name, v in values.items()})
