"""The coordinator screens' message catalogs (`screens/i18n/coordinator.{ja,en}.toml`).

Kept beside the App's catalogs but loaded here, so the coordinator screens add strings without
touching the shared `ja.toml` / `en.toml`. Values are plain text, never markup."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any

from kiosk.text import sanitize

LANGUAGES = ("ja", "en")
DEFAULT_LANGUAGE = "ja"


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


def load_coordinator_catalog(language: str) -> dict[str, str]:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    source = resources.files("screens.i18n").joinpath(f"coordinator.{language}.toml")
    return _flatten(tomllib.loads(source.read_text("utf-8")))


class CoordinatorText:
    """Translates catalog keys for the language the App shows right now."""

    def __init__(self, language: Callable[[], str]) -> None:
        self._language = language
        self._catalogs = {lang: load_coordinator_catalog(lang) for lang in LANGUAGES}

    @property
    def language(self) -> str:
        lang = self._language()
        return lang if lang in self._catalogs else DEFAULT_LANGUAGE

    def keys(self, language: str) -> set[str]:
        return set(self._catalogs[language])

    def __call__(self, key: str, **values: object) -> str:
        template = self._catalogs[self.language].get(key)
        if template is None:
            template = self._catalogs[DEFAULT_LANGUAGE].get(key, key)
        if not values:
            return template
        return template.format_map({name: sanitize(str(v)) for name, v in values.items()})
