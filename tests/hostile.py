"""Hypothesis strategies for what a hostile or broken source can hand the gate.

They build pass-*shaped* input, not only random text: real passes from `PassKit` that are then
mutated (segments swapped, truncated, re-encoded, re-signed with an untrusted key), headers and
claims with every JSON type in every field, deep nesting, huge numbers, markup and escape
sequences, and random bytes. Every strategy draws a `str` or `bytes` the way a camera, a
keyboard-wedge scanner or stdin would deliver it.

Profiles: `make test` runs the short default; `make fuzz` sets HYPOTHESIS_PROFILE=fuzz.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from hypothesis import strategies as st

from tests.passkit import PassKit, SigningKey, b64url

TRUSTED = PassKit()
"""The keys the verifier under test trusts."""
UNTRUSTED = SigningKey("test-2026-a")  # same kid as TRUSTED's key, different private key
OTHER_KID = SigningKey("attacker")

HEADER_FIELDS = ("alg", "kid", "typ", "crit", "jku", "x5u", "b64")
CLAIM_FIELDS = ("iss", "sub", "tier", "mun", "stay", "iat", "exp", "jti", "v")
HOSTILE_TEXT = (
    "[bold red]markup[/]",
    "\x1b]52;c;aGVsbG8=\x07",  # OSC 52: write the clipboard
    "\x1b[2J\x1b[H",  # clear the screen
    "\u202eevil\u202c",  # bidi override
    "\u061c\u2028\u2029",  # Arabic letter mark, line and paragraph separators
    "\x00\x7f\x9b",
    "FR" + "A" * 10,
    "🎌" * 50,
)


def deep(depth: int, opener: str = "[") -> str:
    """`depth` levels of nesting; unbalanced on purpose (what a crafted header does)."""
    return opener * depth


def _segment(value: Any) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value, ensure_ascii=False).encode()
    return b64url(raw)


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**18, max_value=10**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.sampled_from(HOSTILE_TEXT),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def odd_header(draw: st.DrawFn) -> dict[str, Any]:
    header: dict[str, Any] = {"alg": "EdDSA", "kid": TRUSTED.key.kid, "typ": "furusato-pass+jwt"}
    for name in draw(st.lists(st.sampled_from(HEADER_FIELDS), max_size=3, unique=True)):
        header[name] = draw(json_values)
    return header


@st.composite
def odd_claims(draw: st.DrawFn) -> dict[str, Any]:
    claims = TRUSTED.claims()
    for name in draw(st.lists(st.sampled_from(CLAIM_FIELDS), max_size=4, unique=True)):
        if draw(st.booleans()):
            claims[name] = draw(json_values)
        else:
            claims.pop(name, None)
    return claims


@st.composite
def signed_with_odd_fields(draw: st.DrawFn) -> str:
    """Trusted signatures over headers and claims with any JSON in any field."""
    return TRUSTED.sign(draw(odd_claims()), header=draw(odd_header()))


@st.composite
def mutated_pass(draw: st.DrawFn) -> str:
    """A real, valid pass, then damaged the way transmission or an attacker would."""
    token = TRUSTED.sign()
    head, body, sig = token.split(".")
    how = draw(
        st.sampled_from(
            (
                "swap",
                "truncate",
                "flip",
                "padding",
                "std-base64",
                "resign-untrusted",
                "other-kid",
                "extra-segment",
                "whitespace",
            )
        )
    )
    if how == "swap":
        parts = [head, body, sig]
        order = draw(st.permutations(range(3)))
        return ".".join(parts[i] for i in order)
    if how == "truncate":
        return token[: draw(st.integers(0, len(token) - 1))]
    if how == "flip":
        at = draw(st.integers(0, len(token) - 1))
        return token[:at] + draw(st.sampled_from("A_-.=+/ ")) + token[at + 1 :]
    if how == "padding":
        return f"{head}==.{body}.{sig}"
    if how == "std-base64":
        return ".".join(
            base64.b64encode(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))).decode()
            for p in (head, body, sig)
        )
    if how == "resign-untrusted":
        return TRUSTED.sign(key=UNTRUSTED)
    if how == "other-kid":
        return TRUSTED.sign(key=OTHER_KID)
    if how == "extra-segment":
        return f"{token}.{sig}"
    return draw(st.sampled_from((" ", "\t", "\r\n", "\u3000"))) + token


@st.composite
def nested_token(draw: st.DrawFn) -> str:
    """Headers or payloads nested far deeper than any real document (RecursionError bait)."""
    depth = draw(st.sampled_from((33, 500, 1000, 1500, 3000)))
    opener = draw(st.sampled_from(("[", "{", '{"a":', '[{"a":')))
    target = draw(st.sampled_from(("header", "payload")))
    nested = b64url(deep(depth, opener).encode())
    if target == "header":
        return f"{nested}.e30.AAAA"
    head = _segment({"alg": "EdDSA", "kid": TRUSTED.key.kid, "typ": "furusato-pass+jwt"})
    return f"{head}.{nested}.AAAA"


@st.composite
def huge_number_token(draw: st.DrawFn) -> str:
    digits = draw(st.sampled_from((400, 4301, 20000)))
    number = "9" * digits
    field = draw(st.sampled_from(("iat", "exp", "v")))
    body = json.dumps(TRUSTED.claims()).replace("}", f', "{field}x": 0}}')
    body = body.replace(f'"{field}x": 0', f'"{field}": {number}')
    head = _segment({"alg": "EdDSA", "kid": TRUSTED.key.kid, "typ": "furusato-pass+jwt"})
    return f"{head}.{b64url(body.encode())}.AAAA"


hostile_tokens: st.SearchStrategy[str | bytes] = st.one_of(
    signed_with_odd_fields(),
    mutated_pass(),
    nested_token(),
    huge_number_token(),
    st.text(max_size=600),
    st.binary(max_size=600),
    st.sampled_from(HOSTILE_TEXT),
)
"""Anything a source may deliver, weighted towards pass-shaped input."""
