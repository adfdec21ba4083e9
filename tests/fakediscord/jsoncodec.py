"""JSON in and out of the emulator: orjson where it can, the standard library where not.

Under a flood, encoding every REST answer and gateway frame with ``json`` was the
emulator's largest single cost; orjson does it several times faster. orjson refuses a few
things ``json`` accepts (integers beyond 64 bits, lone surrogates, non-string keys), and a
fuzz test may send exactly those, so they fall back to ``json`` rather than fail.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def dumps(value: Any) -> bytes:
    """``value`` as UTF-8 JSON."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return json.dumps(value).encode()


def loads(data: bytes | bytearray | str) -> Any:
    """Parse JSON; a ``ValueError`` (``json.JSONDecodeError``) when it is not JSON."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)
