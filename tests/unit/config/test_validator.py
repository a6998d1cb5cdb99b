"""The dataclass validator behind the config (config.validation) and its URL type (config.urls):
pydantic-lax coercion, every problem at once, nested sections, Annotated constraints."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest

from config.schema import KioskConfig, UiSection
from config.urls import http_url
from config.validation import (
    Check,
    Invalid,
    Length,
    Parse,
    Pattern,
    Range,
    ValidationError,
    validate,
)


def _even(value: int) -> int:
    if value % 2:
        raise ValueError("must be even")
    return value


@dataclass(frozen=True, kw_only=True, slots=True)
class Inner:
    count: Annotated[int, Range(ge=1, le=10)] = 5
    ratio: Annotated[float, Range(gt=0, lt=1)] = 0.5
    low: int = 0
    high: int = 10

    def cross_check(self) -> None:
        if self.high < self.low:
            raise ValueError("high must be >= low")


@dataclass(frozen=True, kw_only=True, slots=True)
class Outer:
    name: Annotated[str, Length(min=2, max=5), Pattern(r"^[a-z]+$")]
    flag: bool = False
    size: int = 0
    scale: float = 1.0
    even: Annotated[int, Check(_even)] = 0
    mode: Literal["a", "b", "c"] = "a"
    path: Path | None = None
    words: list[str] = field(default_factory=list)
    inner: Inner = field(default_factory=Inner)
    extra: Inner | None = None


def errors_of(data: object, cls: type = Outer) -> list[tuple[tuple[str | int, ...], str]]:
    with pytest.raises(ValidationError) as caught:
        validate(cls, data)
    return [(e["loc"], e["type"]) for e in caught.value.errors]


def only_error(data: object) -> dict[str, Any]:
    with pytest.raises(ValidationError) as caught:
        validate(Outer, data)
    assert len(caught.value.errors) == 1, caught.value.errors
    return dict(caught.value.errors[0])


# -- coercion ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [("100", 100), (" +5 ", 5), ("1_000", 1000), ("100.0", 100), ("-0", 0), (7.0, 7), (True, 1)],
)
def test_int_from_strings_whole_floats_and_bools(given: object, expected: int) -> None:
    size = validate(Outer, {"name": "ab", "size": given}).size
    assert size == expected
    assert type(size) is int


@pytest.mark.parametrize(
    ("given", "kind"),
    [
        ("1e2", "int_parsing"),
        ("0x10", "int_parsing"),
        ("３０", "int_parsing"),
        ("100.5", "int_parsing"),
        ("", "int_parsing"),
        ("1__0", "int_parsing"),
        (2.5, "int_from_float"),
        (float("inf"), "finite_number"),
        ([1], "int_type"),
        (None, "int_type"),
    ],
)
def test_int_rejections(given: object, kind: str) -> None:
    error = only_error({"name": "ab", "size": given})
    assert (error["loc"], error["type"], error["input"]) == (("size",), kind, given)


@pytest.mark.parametrize(
    ("given", "expected"), [("2.5", 2.5), (" 1e1 ", 10.0), ("1_0", 10.0), (3, 3.0), (True, 1.0)]
)
def test_float_from_strings_ints_and_bools(given: object, expected: float) -> None:
    scale = validate(Outer, {"name": "ab", "scale": given}).scale
    assert scale == expected
    assert type(scale) is float


def test_float_rejections() -> None:
    assert only_error({"name": "ab", "scale": "x"})["type"] == "float_parsing"
    assert only_error({"name": "ab", "scale": "３"})["type"] == "float_parsing"
    assert only_error({"name": "ab", "scale": [1]})["type"] == "float_type"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        ("yes", True),
        ("on", True),
        ("1", True),
        ("y", True),
        ("false", False),
        ("no", False),
        ("off", False),
        ("0", False),
        ("f", False),
        (1, True),
        (0.0, False),
    ],
)
def test_bool_from_env_strings(given: object, expected: bool) -> None:
    assert validate(Outer, {"name": "ab", "flag": given}).flag is expected


def test_bool_rejections() -> None:
    assert only_error({"name": "ab", "flag": "maybe"})["type"] == "bool_parsing"
    assert only_error({"name": "ab", "flag": " true "})["type"] == "bool_parsing"
    assert only_error({"name": "ab", "flag": 2})["type"] == "bool_parsing"
    assert only_error({"name": "ab", "flag": 0.5})["type"] == "bool_type"


def test_strings_are_never_made_from_numbers() -> None:
    assert only_error({"name": 12})["type"] == "string_type"
    assert only_error({"name": True})["type"] == "string_type"


def test_paths_lists_and_literals() -> None:
    made = validate(Outer, {"name": "ab", "path": "a/b", "words": ("x", "y"), "mode": "c"})
    assert made.path == Path("a/b")
    assert made.words == ["x", "y"]
    assert made.mode == "c"
    assert validate(Outer, {"name": "ab", "path": None}).path is None
    assert only_error({"name": "ab", "path": 5})["type"] == "path_type"
    assert only_error({"name": "ab", "words": "x"})["type"] == "list_type"
    assert errors_of({"name": "ab", "words": ["x", 1, "y", 2]}) == [
        (("words", 1), "string_type"),
        (("words", 3), "string_type"),
    ]
    # a list with a bad item is not handed to the field's checks
    assert errors_of({"sound_command": [1, "x"]}, UiSection) == [
        (("sound_command", 0), "string_type")
    ]
    error = only_error({"name": "ab", "mode": "d"})
    assert (error["type"], error["ctx"]) == ("literal_error", {"expected": "'a', 'b' or 'c'"})
    assert only_error({"name": "ab", "mode": 1})["type"] == "literal_error"


# -- every problem at once ---------------------------------------------------------------------


def test_all_problems_are_reported_in_field_order_then_unknown_keys() -> None:
    data = {
        "zzz": 1,
        "size": "many",
        "mode": "x",
        "inner": {"count": 0, "ratio": 1, "colour": "red"},
        "extra": "not a table",
    }
    assert errors_of(data) == [
        (("name",), "missing"),
        (("size",), "int_parsing"),
        (("mode",), "literal_error"),
        (("inner", "count"), "greater_than_equal"),
        (("inner", "ratio"), "less_than"),
        (("inner", "colour"), "extra_forbidden"),
        (("extra",), "model_type"),
        (("zzz",), "extra_forbidden"),
    ]


def test_the_report_lists_every_problem() -> None:
    with pytest.raises(ValidationError) as caught:
        validate(Outer, {"size": "x", "inner": {"count": 99}})
    text = str(caught.value)
    assert "3 problem(s) in Outer" in text
    assert "inner.count: Input should be less than or equal to 10" in text


def test_nested_sections_missing_wrong_type_optional_and_default() -> None:
    made = validate(Outer, {"name": "ab"})
    assert made.inner == Inner()
    assert made.extra is None
    assert validate(Outer, {"name": "ab", "extra": {"count": 2}}).extra == Inner(count=2)
    assert only_error({"name": "ab", "inner": None})["type"] == "model_type"
    error = only_error({"name": "ab", "inner": ["x"]})
    assert (error["loc"], error["ctx"]) == (("inner",), {"class_name": "Inner"})
    assert errors_of([], Outer) == [((), "model_type")]
    assert errors_of({"device": {}}, KioskConfig)[:2] == [
        (("device", "id"), "missing"),
        (("device", "name"), "missing"),
    ]
    assert errors_of({}, KioskConfig) == [(("device",), "missing"), (("trust",), "missing")]


def test_an_instance_passes_through() -> None:
    inner = Inner(count=3)
    assert validate(Outer, {"name": "ab", "inner": inner}).inner is inner


# -- constraints -------------------------------------------------------------------------------


def test_range_codes_and_context_follow_the_field_type() -> None:
    low = only_error({"name": "ab", "inner": {"count": 0}})
    assert (low["type"], low["ctx"], low["input"]) == ("greater_than_equal", {"ge": 1}, 0)
    assert type(low["ctx"]["ge"]) is int
    high = only_error({"name": "ab", "inner": {"count": "11"}})
    assert (high["type"], high["ctx"], high["input"]) == ("less_than_equal", {"le": 10}, "11")
    zero = only_error({"name": "ab", "inner": {"ratio": 0}})
    assert (zero["type"], zero["ctx"]) == ("greater_than", {"gt": 0.0})
    assert type(zero["ctx"]["gt"]) is float  # a float field's bounds are floats (1.0, not 1)
    nan = only_error({"name": "ab", "inner": {"ratio": "nan"}})
    assert nan["type"] == "less_than"  # NaN is outside every bound
    assert Range(ge=1, le=3)(2) == 2


def test_length_then_pattern_then_check() -> None:
    assert only_error({"name": "a"})["type"] == "string_too_short"
    assert only_error({"name": "!!!!!!"})["type"] == "string_too_long"  # not the pattern
    error = only_error({"name": "AB"})
    assert (error["type"], error["ctx"]) == ("string_pattern_mismatch", {"pattern": "^[a-z]+$"})
    assert only_error({"name": "ab\n"})["type"] == "string_pattern_mismatch"
    odd = only_error({"name": "ab", "even": "3"})
    assert (odd["type"], odd["msg"], odd["input"]) == ("value_error", "must be even", "3")
    assert validate(Outer, {"name": "ab", "even": "4"}).even == 4


def test_cross_check_runs_only_when_the_fields_are_valid() -> None:
    error = only_error({"name": "ab", "inner": {"low": 5, "high": 1}})
    assert (error["loc"], error["type"], error["msg"]) == (
        ("inner",),
        "value_error",
        "high must be >= low",
    )
    assert error["input"] == {"low": 5, "high": 1}
    assert errors_of({"name": "ab", "inner": {"low": 5, "high": "x"}}) == [
        (("inner", "high"), "int_parsing")
    ]


def test_parse_replaces_the_type_conversion() -> None:
    @dataclass(frozen=True)
    class Site:
        url: Annotated[str, Parse(http_url), Check(str.upper)]

    assert validate(Site, {"url": "https://a.org"}).url == "HTTPS://A.ORG/"
    assert errors_of({"url": 5}, Site) == [(("url",), "url_type")]  # not string_type


def test_unsupported_field_types_are_a_programming_error() -> None:
    @dataclass
    class Odd:
        value: dict[str, int]

    with pytest.raises(TypeError, match="unsupported field type"):
        validate(Odd, {"value": {}})


# -- the config schema -------------------------------------------------------------------------


def test_sections_are_frozen_dataclasses() -> None:
    ui = UiSection()
    with pytest.raises(dataclasses.FrozenInstanceError):
        ui.language = "en"  # type: ignore[misc]
    for section in dataclasses.fields(KioskConfig):
        assert section.name != "__dict__"
    assert not hasattr(ui, "__dict__")  # slots


def test_config_never_imports_pydantic() -> None:
    code = "import sys, config.load; print('pydantic' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


# -- URLs --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [  # what pydantic's HttpUrl made of each (recorded before the switch)
        ("https://api.example.org", "https://api.example.org/"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000/"),
        ("https://api.example.org/base", "https://api.example.org/base"),
        ("HTTPS://API.Example.ORG:443", "https://api.example.org/"),
        ("https://api.example.org:8443", "https://api.example.org:8443/"),
        ("http://[0:0::1]:8000", "http://[::1]:8000/"),
        (" https://a.org/x?y=1#f ", "https://a.org/x?y=1#f"),
        ("https:///a.org", "https://a.org/"),
        ("https://例え.jp", "https://xn--r8jz45g.jp/"),
        ("https://a.org/a b", "https://a.org/a%20b"),
        ("https://a.org/v1/../v2", "https://a.org/v2"),
        ("https://a.org?x", "https://a.org/?x"),
        ("http://127.1", "http://127.0.0.1/"),
        ("https://u:p@a.org", "https://u:p@a.org/"),
    ],
)
def test_urls_are_normalised_as_before(given: str, expected: str) -> None:
    assert http_url(given) == expected


@pytest.mark.parametrize(
    ("given", "kind"),
    [
        ("", "url_parsing"),
        ("not a url", "url_parsing"),
        ("https://", "url_parsing"),
        ("https://a.org:99999", "url_parsing"),
        ("https://a b.org", "url_parsing"),
        ("https://xn--a.org", "url_parsing"),
        ("http://256.1", "url_parsing"),
        ("ftp://a.org", "url_scheme"),
        ("localhost:8000", "url_scheme"),
        (5, "url_type"),
    ],
)
def test_bad_urls(given: object, kind: str) -> None:
    with pytest.raises(Invalid) as caught:
        http_url(given)
    assert caught.value.type == kind
