"""http(s) URLs normalised the way browsers do (the WHATWG URL rules, as pydantic's HttpUrl
applied them before): "HTTPS://API.Example.ORG:443" -> "https://api.example.org/".

Scheme and host are lower-cased, non-ASCII host names IDNA-encoded, IPv4 shorthands written
in full ("127.1" -> "127.0.0.1"), the default port dropped, an empty path becomes "/", "."
and ".." path segments are resolved and unsafe characters percent-encoded. (One shortcut: a
URL with another scheme is always reported as url_scheme, even if the rest is malformed.)"""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import quote, unquote

from config.validation import Invalid

_DEFAULT_PORTS = {"http": 80, "https": 443}
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
_PRINTABLE = "".join(map(chr, range(0x21, 0x7F)))
_BAD_HOST = re.compile(r"[\x00-\x20#%/:<>?@\[\\\]^|]")
_DIGITS = {8: "01234567", 10: "0123456789", 16: "0123456789abcdefABCDEF"}
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")


def _kept(encoded: str) -> str:
    """The printable ASCII characters `quote` leaves alone: all but `encoded`."""
    return "".join(c for c in _PRINTABLE if c not in encoded)


_PATH_SAFE = _kept('"#<>?`{}')
_QUERY_SAFE = _kept("\"#<>'")
_FRAGMENT_SAFE = _kept('"<>`')
_USERINFO_SAFE = _kept('"#<>?`{}/:;=@[\\]^|')


def _error(error: str) -> Invalid:
    return Invalid("url_parsing", f"Input should be a valid URL, {error}", error=error)


def _split(text: str, stops: str) -> tuple[str, str]:
    """`text` cut before the first of `stops` (or not at all)."""
    cut = min((i for i in map(text.find, stops) if i >= 0), default=len(text))
    return text[:cut], text[cut:]


def _ipv4_number(text: str) -> int | None:
    """One part of an IPv4 address: decimal, 0x hex or 0-prefixed octal; None if not one."""
    radix, digits = 10, text
    if text[:2].lower() == "0x":
        radix, digits = 16, text[2:]
    elif len(text) > 1 and text[0] == "0":
        radix, digits = 8, text[1:]
    if not text or not all(c in _DIGITS[radix] for c in digits):
        return None
    return int(digits, radix) if digits else 0


def _ipv4(host: str) -> str | None:
    """A host ending in a number is an IPv4 address, written in full: "127.1" -> "127.0.0.1"."""
    parts = host.split(".")
    if len(parts) > 1 and not parts[-1]:
        parts.pop()
    last = parts[-1]
    if not (last.isascii() and last.isdigit()) and _ipv4_number(last) is None:
        return None  # a domain name
    numbers = [_ipv4_number(part) if part.isascii() else None for part in parts]
    if len(parts) > 4 or None in numbers:
        raise _error("invalid IPv4 address")
    *first, final = [n for n in numbers if n is not None]
    if any(n > 255 for n in first) or final >= 256 ** (5 - len(numbers)):
        raise _error("invalid IPv4 address")
    address = sum(n << (8 * (3 - i)) for i, n in enumerate(first)) + final
    return ".".join(str(address >> shift & 255) for shift in (24, 16, 8, 0))


def _label(label: str) -> str:
    """One label of a host name in ASCII (IDNA), checking "xn--" labels are valid punycode."""
    if not label.isascii():
        return label.encode("idna").decode("ascii")
    if label.lower().startswith("xn--"):
        label.lower().encode("ascii").decode("idna")  # UnicodeError when not valid
    return label


def _host(host: str) -> str:
    if host.startswith("["):
        try:
            return f"[{ipaddress.IPv6Address(host[1:-1]).compressed}]"
        except ValueError:
            raise _error("invalid IPv6 address") from None
    labels = re.split("[.\u3002\uff0e\uff61]", unquote(host))
    try:  # label by label, so an empty label stays empty as browsers allow
        host = ".".join(map(_label, labels))
    except UnicodeError:
        raise _error("invalid international domain name") from None
    host = host.lower()
    if _BAD_HOST.search(host):
        raise _error("invalid domain character")
    return _ipv4(host) or host


def _path(path: str) -> str:
    """Dot segments resolved ("/a/./b/../c" -> "/a/c", %2e too), unsafe characters encoded."""
    parts = path.replace("\\", "/").split("/")[1:] or [""]
    kept: list[str] = []
    for number, part in enumerate(parts, start=1):
        dots = part.lower().replace("%2e", ".")
        if dots in (".", ".."):
            if dots == ".." and kept:
                kept.pop()
            if number == len(parts):
                kept.append("")
        else:
            kept.append(part)
    return quote("/" + "/".join(kept), safe=_PATH_SAFE)


def http_url(value: Any) -> str:
    """The normalised form of an absolute http:// or https:// URL; `Invalid` (url_type,
    url_parsing, url_scheme) otherwise."""
    if not isinstance(value, str):
        raise Invalid("url_type", "URL input should be a string or URL")
    text = re.sub(r"[\t\n\r]", "", value.strip(_C0_AND_SPACE))
    scheme_match = _SCHEME.match(text)
    if not scheme_match:
        raise _error("relative URL without a base" if text else "input is empty")
    scheme = scheme_match.group(1).lower()
    if scheme not in _DEFAULT_PORTS:
        expected = "'http' or 'https'"
        raise Invalid("url_scheme", f"URL scheme should be {expected}", expected_schemes=expected)
    authority, rest = _split(text[scheme_match.end() :].lstrip("/\\"), "/\\?#")
    path, rest = _split(rest, "?#")
    query, fragment = _split(rest, "#")
    userinfo, _, hostport = authority.rpartition("@")
    if hostport.startswith("["):
        host, _, port = hostport.partition("]")
        host += "]"
        if port and not port.startswith(":"):
            raise _error("invalid port number")
        port = port[1:]
    else:
        host, _, port = hostport.partition(":")
    if port and not (port.isascii() and port.isdigit() and int(port) <= 65535):
        raise _error("invalid port number")
    if not host:
        raise _error("empty host")
    host = _host(host)
    port = f":{int(port)}" if port and int(port) != _DEFAULT_PORTS[scheme] else ""
    username, _, password = (quote(p, safe=_USERINFO_SAFE) for p in userinfo.partition(":"))
    user = f"{username}:{password}@" if password else f"{username}@" if username else ""
    query = quote(query, safe=_QUERY_SAFE)
    fragment = quote(fragment, safe=_FRAGMENT_SAFE)
    return f"{scheme}://{user}{host}{port}{_path(path)}{query}{fragment}"
