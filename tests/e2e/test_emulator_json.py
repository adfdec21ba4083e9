"""The emulator's JSON codec: orjson's speed without refusing what ``json`` accepts."""

from __future__ import annotations

import json

import pytest

from tests.fakediscord import jsoncodec


@pytest.mark.parametrize("value", [
    {"id": "123", "embeds": [{"title": "Résumé ✓"}], "flags": 0, "ok": True, "none": None},
    {"huge": 2**70},  # beyond orjson's 64-bit integers
    {"text": "lone \ud800 surrogate"},  # orjson refuses lone surrogates
    {1: "an integer key"},  # orjson refuses non-string keys; json writes "1"
])
def test_what_json_can_write_is_written_and_reads_back_as_json_reads_it(value: object) -> None:
    encoded = jsoncodec.dumps(value)
    assert json.loads(encoded) == json.loads(json.dumps(value))
    assert jsoncodec.loads(encoded) == json.loads(json.dumps(value))


def test_input_only_json_accepts_is_still_read() -> None:
    assert jsoncodec.loads('"\\ud800"') == "\ud800"
    assert jsoncodec.loads("NaN") != jsoncodec.loads("NaN")  # json reads NaN; orjson refuses


def test_what_is_not_json_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        jsoncodec.loads(b"{not json")
