"""Message catalogs and the translator the App owns (no globals).

The gate's strings are in `ja.toml` / `en.toml`; the coordinator screens keep theirs in
`coordinator.ja.toml` / `coordinator.en.toml` (a named catalog), so they add strings without
touching the gate's. One `Translator` class serves both: `translator.catalog("coordinator")`
is the coordinator's, always in the same language as the App's."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from importlib import resources
from typing import Any

from kiosk.text import sanitize

LANGUAGES: tuple[str, ...] = ("ja", "en")
DEFAULT_LANGUAGE = "ja"
GATE_CATALOG = ""  # ja.toml, en.toml
COORDINATOR_CATALOG = "coordinator"  # coordinator.ja.toml, coordinator.en.toml


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


def load_catalog(language: str, catalog: str = GATE_CATALOG) -> dict[str, str]:
    """The flattened catalog of one language: {"banner.accepted": "受付しました", ...}."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    name = f"{catalog}.{language}.toml" if catalog else f"{language}.toml"
    text = resources.files(__package__).joinpath(name).read_text("utf-8")
    return _flatten(tomllib.loads(text))


class _Language:
    """The language a family of translators speaks (one per App)."""

    def __init__(self, language: str) -> None:
        self.value = language


class Translator:
    """Looks strings up in the current language's catalog and fills in `{name}` fields.

    Values are sanitised (control characters and escapes stripped). The result is plain text:
    widgets render it with `rich.text.Text` or `markup=False`, never as markup. An unknown key
    falls back to Japanese, then to the key itself.
    """

    def __init__(
        self,
        language: str = DEFAULT_LANGUAGE,
        *,
        catalog: str = GATE_CATALOG,
        _family: tuple[_Language, dict[str, Translator]] | None = None,
    ) -> None:
        self._catalogs = {lang: load_catalog(lang, catalog) for lang in LANGUAGES}
        self._speaking, self._family = _family or (_Language(DEFAULT_LANGUAGE), {})
        self._family.setdefault(catalog, self)
        if _family is None:
            self.language = language

    @property
    def language(self) -> str:
        return self._speaking.value

    @language.setter
    def language(self, language: str) -> None:
        if language not in self._catalogs:
            raise ValueError(f"unknown language {language!r}")
        self._speaking.value = language

    def catalog(self, name: str) -> Translator:
        """The translator of another catalog, always in this one's language."""
        found = self._family.get(name)
        if found is None:
            found = Translator(catalog=name, _family=(self._speaking, self._family))
        return found

    def has(self, key: str) -> bool:
        return key in self._catalogs[self.language]

    def __call__(self, key: str, **values: object) -> str:
        template = self._catalogs[self.language].get(key)
        if template is None:
            template = self._catalogs[DEFAULT_LANGUAGE].get(key, key)
        if not values:
            return template
        return template.format_map({name: sanitize(str(v)) for name, v in values.items()})
