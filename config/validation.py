"""A small validator for frozen dataclasses: `validate(cls, data)` builds `cls` from plain data
(parsed TOML plus environment strings) and reports every problem at once.

Coercion follows pydantic's lax mode, which the config used before: numbers, booleans and
paths may arrive as strings ("100", "2.5", "true"); a whole float is accepted for an int and
a bool for a number; a string is never made from a number. Field types understood: str, int,
float, bool, Path, Literal[...], list[X], X | None and nested dataclasses (from a mapping).

Constraints are `Annotated` metadata, applied in order after the type conversion: `Range`,
`Length`, `Pattern` and `Check` (any function; a ValueError it raises becomes the message).
`Parse` replaces the type conversion itself. Unknown keys are errors. A dataclass may define
`cross_check(self)` for rules between its fields: it runs once every field is valid, and its
ValueError is reported at the dataclass itself.

Each problem is an `ErrorDetails` record with pydantic's `type` codes and `ctx` keys
(missing, extra_forbidden, int_parsing, greater_than_equal with ctx ge, ...).
"""

from __future__ import annotations

import dataclasses
import math
import operator
import os
import re
import types
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import (
    Annotated,
    Any,
    Literal,
    NamedTuple,
    TypedDict,
    TypeVar,
    Union,
    get_args,
    get_origin,
    get_type_hints,
)

T = TypeVar("T")
Loc = tuple[str | int, ...]

CROSS_CHECK = "cross_check"  # the optional per-dataclass hook for rules between fields


class ErrorDetails(TypedDict):
    loc: Loc  # path to the value: section, key, list index
    type: str  # pydantic's error code, e.g. "greater_than_equal"
    msg: str
    input: Any  # the value as given
    ctx: dict[str, Any]  # e.g. {"ge": 1}


class Invalid(ValueError):
    """One value is wrong: raised by conversions and constraints, collected by `validate`."""

    def __init__(self, kind: str, msg: str, **ctx: Any) -> None:
        super().__init__(msg)
        self.type, self.msg, self.ctx = kind, msg, ctx


class ValidationError(ValueError):
    """Every problem `validate` found, in field order (unknown keys after known ones)."""

    def __init__(self, cls: type, errors: list[ErrorDetails]) -> None:
        self.errors = errors
        lines = [f"{'.'.join(map(str, e['loc'])) or '(root)'}: {e['msg']}" for e in errors]
        super().__init__(f"{len(errors)} problem(s) in {cls.__name__}:\n" + "\n".join(lines))


# -- constraints (Annotated metadata) ----------------------------------------------------------

_BOUNDS = (  # pydantic's order; NaN fails every bound
    ("le", "less_than_equal", "less than or equal to", operator.le),
    ("lt", "less_than", "less than", operator.lt),
    ("ge", "greater_than_equal", "greater than or equal to", operator.ge),
    ("gt", "greater_than", "greater than", operator.gt),
)


# (Plain slotted classes, not dataclasses: creating a dataclass costs ~1 ms at import.)
class Range:
    """Bounds for a number: Range(ge=1, le=500)."""

    __slots__ = ("ge", "gt", "le", "lt")

    def __init__(
        self,
        *,
        ge: float | None = None,
        gt: float | None = None,
        le: float | None = None,
        lt: float | None = None,
    ) -> None:
        self.ge, self.gt, self.le, self.lt = ge, gt, le, lt

    def __call__(self, value: Any) -> Any:
        for key, kind, words, holds in _BOUNDS:
            bound = getattr(self, key)
            if bound is not None and not holds(value, bound):
                shown = float(bound) if isinstance(value, float) else bound  # as pydantic does
                raise Invalid(kind, f"Input should be {words} {bound}", **{key: shown})
        return value


class Length:
    """Bounds for a string's length: Length(min=1, max=64)."""

    __slots__ = ("max", "min")

    def __init__(self, *, min: int | None = None, max: int | None = None) -> None:  # noqa: A002
        self.min, self.max = min, max

    def __call__(self, value: Any) -> Any:
        if self.min is not None and len(value) < self.min:
            msg = f"String should have at least {self.min} character(s)"
            raise Invalid("string_too_short", msg, min_length=self.min)
        if self.max is not None and len(value) > self.max:
            msg = f"String should have at most {self.max} character(s)"
            raise Invalid("string_too_long", msg, max_length=self.max)
        return value


class Pattern:
    """The whole string must match (so a trailing newline does not slip past `$`)."""

    __slots__ = ("regex",)

    def __init__(self, regex: str) -> None:
        self.regex = regex

    def __call__(self, value: Any) -> Any:
        if not re.fullmatch(self.regex, value):
            msg = f"String should match pattern '{self.regex}'"
            raise Invalid("string_pattern_mismatch", msg, pattern=self.regex)
        return value


class Check:
    """`function(value)` returns the value (possibly normalised) or raises ValueError."""

    __slots__ = ("function",)

    def __init__(self, function: Callable[[Any], Any]) -> None:
        self.function = function

    def __call__(self, value: Any) -> Any:
        return self.function(value)


class Parse:
    """Converts the raw input instead of the field type's own conversion."""

    __slots__ = ("function",)

    def __init__(self, function: Callable[[Any], Any]) -> None:
        self.function = function


# -- type conversions (pydantic lax mode) ------------------------------------------------------

_INT = re.compile(r"[+-]?[0-9](?:_?[0-9])*(?:\.0+)?")
_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})


def _to_str(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise Invalid("string_type", "Input should be a valid string")


def _to_int(value: Any) -> int:
    if isinstance(value, int):
        return int(value)  # a bool becomes 0 or 1
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Invalid("finite_number", "Input should be a finite number")
        if not value.is_integer():
            msg = "Input should be a valid integer, got a number with a fractional part"
            raise Invalid("int_from_float", msg)
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if _INT.fullmatch(text):  # "1_000", " +5 ", "100.0"; not "1e2" or "0x10"
            try:
                return int(text.partition(".")[0])
            except ValueError:  # more digits than int() takes
                pass
        msg = "Input should be a valid integer, unable to parse string as an integer"
        raise Invalid("int_parsing", msg)
    raise Invalid("int_type", "Input should be a valid integer")


def _to_float(value: Any) -> float:
    if isinstance(value, int | float):
        try:
            return float(value)
        except OverflowError:
            pass
    elif isinstance(value, str):
        try:
            if value.isascii():  # float() would also read non-ASCII digits
                return float(value)
        except ValueError:
            pass
        msg = "Input should be a valid number, unable to parse string as a number"
        raise Invalid("float_parsing", msg)
    raise Invalid("float_type", "Input should be a valid number")


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
        return value.lower() in _TRUE
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str | int):
        raise Invalid("bool_parsing", "Input should be a valid boolean, unable to interpret input")
    raise Invalid("bool_type", "Input should be a valid boolean")


def _to_path(value: Any) -> Path:
    if isinstance(value, str | os.PathLike):
        return Path(value)
    raise Invalid("path_type", "Input is not a valid path")


_CONVERSIONS: dict[Any, Callable[[Any], Any]] = {
    str: _to_str,
    int: _to_int,
    float: _to_float,
    bool: _to_bool,
    Path: _to_path,
}


# -- plans: one converter per field, built once per dataclass ---------------------------------

_FAILED: Any = object()  # a converter's result when it reported an error
Converter = Callable[[Any, Loc, list[ErrorDetails]], Any]


def _error(loc: Loc, kind: str, msg: str, value: Any, ctx: dict[str, Any]) -> ErrorDetails:
    return ErrorDetails(loc=loc, type=kind, msg=msg, input=value, ctx=ctx)


def _run(
    steps: tuple[Callable[[Any], Any], ...],
    value: Any,
    loc: Loc,
    errors: list[ErrorDetails],
    given: Any,
) -> Any:
    """`value` through each step; a failure is reported against `given` (the raw input)."""
    try:
        for step in steps:
            value = step(value)
    except Invalid as exc:
        errors.append(_error(loc, exc.type, exc.msg, given, exc.ctx))
        return _FAILED
    except ValueError as exc:
        errors.append(_error(loc, "value_error", str(exc), given, {"error": str(exc)}))
        return _FAILED
    return value


def _steps(*steps: Callable[[Any], Any]) -> Converter:
    return lambda value, loc, errors: _run(steps, value, loc, errors, value)


def _converter(tp: Any) -> Converter:
    origin, args = get_origin(tp), get_args(tp)
    if origin is Annotated:
        parse = next((m.function for m in args[1:] if isinstance(m, Parse)), None)
        checks = tuple(m for m in args[1:] if isinstance(m, Range | Length | Pattern | Check))
        if parse is not None:
            return _steps(parse, *checks)
        base = _converter(args[0])

        def annotated(value: Any, loc: Loc, errors: list[ErrorDetails]) -> Any:
            result = base(value, loc, errors)
            return result if result is _FAILED else _run(checks, result, loc, errors, value)

        return annotated
    if origin in (Union, types.UnionType) and type(None) in args and len(args) == 2:
        inner = _converter(next(a for a in args if a is not type(None)))
        return lambda value, loc, errors: None if value is None else inner(value, loc, errors)
    if origin is Literal:
        words = [repr(a) for a in args]
        expected = f"{', '.join(words[:-1])} or {words[-1]}" if len(words) > 1 else words[0]

        def literal(value: Any) -> Any:
            if any(type(value) is type(a) and value == a for a in args):
                return value
            raise Invalid("literal_error", f"Input should be {expected}", expected=expected)

        return _steps(literal)
    if origin is list:
        item = _converter(args[0])

        def listed(value: Any, loc: Loc, errors: list[ErrorDetails]) -> Any:
            if not isinstance(value, list | tuple | set | frozenset):
                errors.append(_error(loc, "list_type", "Input should be a valid list", value, {}))
                return _FAILED
            items = [item(v, (*loc, i), errors) for i, v in enumerate(value)]
            return _FAILED if any(v is _FAILED for v in items) else items

        return listed
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return lambda value, loc, errors: _build(tp, value, loc, errors)
    if tp in _CONVERSIONS:
        return _steps(_CONVERSIONS[tp])
    raise TypeError(f"validate: unsupported field type {tp!r}")


class _Field(NamedTuple):
    name: str
    convert: Converter
    required: bool


_plans: dict[type, tuple[_Field, ...]] = {}


def _plan(cls: type) -> tuple[_Field, ...]:
    if cls not in _plans:
        hints = get_type_hints(cls, include_extras=True)
        missing = dataclasses.MISSING
        _plans[cls] = tuple(
            _Field(
                f.name,
                _converter(hints[f.name]),
                required=f.default is missing and f.default_factory is missing,
            )
            for f in dataclasses.fields(cls)
            if f.init
        )
    return _plans[cls]


def _build(cls: type, value: Any, loc: Loc, errors: list[ErrorDetails]) -> Any:
    if isinstance(value, cls):
        return value
    if not isinstance(value, Mapping):
        msg = f"Input should be a valid dictionary or instance of {cls.__name__}"
        errors.append(_error(loc, "model_type", msg, value, {"class_name": cls.__name__}))
        return _FAILED
    before = len(errors)
    plan = _plan(cls)
    values: dict[str, Any] = {}
    for field in plan:
        if field.name in value:
            values[field.name] = field.convert(value[field.name], (*loc, field.name), errors)
        elif field.required:
            errors.append(_error((*loc, field.name), "missing", "Field required", value, {}))
    known = {field.name for field in plan}
    for key, extra in value.items():
        if key not in known:
            msg = "Extra inputs are not permitted"
            errors.append(_error((*loc, key), "extra_forbidden", msg, extra, {}))
    if len(errors) > before:
        return _FAILED
    instance = cls(**values)
    try:
        getattr(instance, CROSS_CHECK, lambda: None)()
    except ValueError as exc:
        errors.append(_error(loc, "value_error", str(exc), value, {"error": str(exc)}))
        return _FAILED
    return instance


def validate(cls: type[T], data: object) -> T:
    """An instance of the dataclass `cls` built from `data`, else ValidationError listing
    every problem."""
    errors: list[ErrorDetails] = []
    result: T = _build(cls, data, (), errors)
    if errors:
        raise ValidationError(cls, errors)
    return result
