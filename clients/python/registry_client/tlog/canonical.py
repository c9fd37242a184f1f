"""RFC 8785 (JCS) canonical JSON for the values a leaf holds.

Only objects, arrays, strings, integers, booleans and null: the public facts carry no
fractions, and JCS numbers follow ECMAScript's float formatting, which a registry should
not have to trust. Floats are refused rather than formatted almost right.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

# Integers JCS can carry exactly: it serialises numbers as IEEE 754 doubles.
MAX_SAFE_INTEGER = 2**53 - 1


class NotCanonicalisable(ValueError):
    pass


def canonical_json(value: Any) -> bytes:
    """The UTF-8 bytes of ``value`` in RFC 8785 form."""
    parts: list[str] = []
    _write(value, parts)
    try:
        return "".join(parts).encode("utf-8")
    except UnicodeEncodeError as error:
        raise NotCanonicalisable("lone surrogates have no UTF-8 form") from error


def _write(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise NotCanonicalisable(f"integer {value} is beyond 2**53-1, JSON numbers lose it")
        out.append(str(value))
    elif isinstance(value, float):
        raise NotCanonicalisable("floats are not accepted in log leaves; use integers or strings")
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, Mapping):
        _object(value, out)
    elif isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        out.append("[")
        for position, item in enumerate(value):
            if position:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        raise NotCanonicalisable(f"{type(value).__name__} has no JSON form")


def _object(value: Mapping[Any, Any], out: list[str]) -> None:
    for key in value:
        if not isinstance(key, str):
            raise NotCanonicalisable(f"object keys must be strings, not {type(key).__name__}")
    # RFC 8785 §3.2.3: members sorted by the UTF-16 code units of their names.
    ordered = sorted(value, key=lambda name: name.encode("utf-16-be"))
    out.append("{")
    for position, key in enumerate(ordered):
        if position:
            out.append(",")
        out.append(_string(key))
        out.append(":")
        _write(value[key], out)
    out.append("}")


def _string(text: str) -> str:
    # json's escaping is JCS's: the two-letter escapes, \u00xx (lower-case) for other
    # control characters, everything else as itself; lone surrogates fail at encoding.
    return json.dumps(text, ensure_ascii=False)
