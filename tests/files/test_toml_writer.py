"""The one TOML writer against the standard library's TOML reader (``tomllib``)."""

from __future__ import annotations

import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tnrank import TnrankError
from tnrank.files.toml_writer import dumps_toml, toml_string

# any text UTF-8 can encode: newlines, quotes, backslashes, control characters, DEL, U+2028
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
keys = st.text("abcxyzAZ09_-", min_size=1, max_size=6)  # bare keys, as tnrank writes
scalars = text | st.integers(-(2**63), 2**63 - 1) | st.booleans()
values = scalars | st.lists(scalars, max_size=4)
tables = st.lists(st.dictionaries(keys, values, min_size=1, max_size=4), min_size=1, max_size=3)


@settings(max_examples=60, deadline=None)
@given(plain=st.dictionaries(keys, values, max_size=5), arrays=st.dictionaries(keys, tables, max_size=2))
def test_tomllib_reads_back_what_was_written(plain, arrays):
    data = {**plain, **{k: v for k, v in arrays.items() if k not in plain}}
    assert tomllib.loads(dumps_toml(data)) == data


@settings(max_examples=200, deadline=None)
@given(value=text)
def test_every_string_is_one_basic_string(value):
    written = toml_string(value)
    assert "\n" not in written and "\r" not in written  # a description never breaks the line
    assert tomllib.loads(f"key = {written}") == {"key": value}


def test_none_values_are_left_out_and_header_lines_are_comments():
    text = dumps_toml({"a": 1, "b": None, "t": [{"x": None, "y": "z"}]}, header="# one\n\n# two")
    assert text.splitlines()[:2] == ["# one", "# two"]
    assert tomllib.loads(text) == {"a": 1, "t": [{"y": "z"}]}


def test_what_toml_cannot_hold_is_refused():
    with pytest.raises(TnrankError, match="cannot write 'x' = 1.5 as TOML"):
        dumps_toml({"x": 1.5})
    with pytest.raises(TnrankError, match="lone surrogates"):
        dumps_toml({"name": "a\udc80"})


@given(st.dictionaries(st.text(min_size=1, max_size=12), st.integers(-5, 5), max_size=5))
@settings(max_examples=100, deadline=None)
def test_any_key_reads_back(data):
    assert tomllib.loads(dumps_toml(data)) == data
