"""Hostile input at the verifier and at the text boundary: never an exception, always a reason,
never an escape byte or unsafe character on the way out."""

from __future__ import annotations

import time
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk import untrusted_json
from kiosk.models import Reason
from kiosk.passes import PassVerifier, parse_jwks
from kiosk.text import UNSAFE_CATEGORIES, sanitize, strip_unsafe
from tests.hostile import HOSTILE_TEXT, TRUSTED, deep, hostile_tokens, nested_token
from tests.passkit import b64url

pytestmark = pytest.mark.fuzz  # `make fuzz` runs these long

VERIFIER = PassVerifier(parse_jwks(TRUSTED.jwks()))


@given(hostile_tokens)
def test_verifier_decides_every_hostile_token(token: str | bytes) -> None:
    result = VERIFIER.verify(token, time.time())
    assert result.ok or result.reason in set(Reason)


@given(nested_token())
def test_deep_nesting_is_bad_encoding_or_malformed_never_recursion(token: str) -> None:
    result = VERIFIER.verify(token, time.time())
    assert result.reason in (Reason.BAD_ENCODING, Reason.MALFORMED, Reason.BAD_SIGNATURE)


def test_the_thousand_bracket_header_from_the_field_report() -> None:
    token = b64url(deep(1000).encode()) + ".e30.AAAA"  # about 1,350 characters, unsigned
    assert VERIFIER.verify(token, time.time()).reason is Reason.BAD_ENCODING


@pytest.mark.parametrize(
    "text",
    [deep(1000), deep(40, '{"a":'), "9" * 5000, "NaN", "[Infinity]", '{"a": -Infinity}'],
)
def test_untrusted_json_refuses_with_a_value_error(text: str) -> None:
    with pytest.raises(untrusted_json.UntrustedJsonError):
        untrusted_json.loads(text)


def test_untrusted_json_ignores_brackets_inside_strings() -> None:
    value = untrusted_json.loads('{"name": "' + "[" * 100 + '"}')
    assert value == {"name": "[" * 100}


def test_untrusted_json_refuses_oversized_input() -> None:
    with pytest.raises(untrusted_json.UntrustedJsonError, match="longer than"):
        untrusted_json.loads("[" + "1," * 100 + "1]", max_bytes=50)


def _unsafe(text: str) -> list[str]:
    return [ch for ch in text if ch == "\x1b" or unicodedata.category(ch) in UNSAFE_CATEGORIES]


@pytest.mark.parametrize("text", HOSTILE_TEXT)
def test_sanitize_leaves_no_escape_or_unsafe_character(text: str) -> None:
    assert _unsafe(sanitize(text)) == []


def test_sanitize_removes_escape_sequences_whole() -> None:
    assert sanitize("浜\x1b]52;c;aGVsbG8=\x07辺\x1b[2J清掃") == "浜辺清掃"
    assert sanitize("a\u061cb\u2028c\u2029d\u202ee") == "abcde"


@given(st.text(max_size=300))
def test_sanitize_output_is_always_safe(text: str) -> None:
    assert _unsafe(sanitize(text, limit=400)) == []


def test_logs_keep_their_line_structure() -> None:
    assert strip_unsafe("line 1\n\tline 2\x1b[31m\u2028", keep_newlines=True) == "line 1\n\tline 2"
