"""Fuzz tests: hostile architecture files, network files and command lines.

Whatever the input, tnrank either accepts it or raises its own error
(:class:`~tnrank.errors.TnrankError`; exit code 2 with one line on stderr for
the command line): never another exception, never a hang. The examples come
from hypothesis: a fixed reproducible set in CI (profile ``ci``), fresh ones
with ``HYPOTHESIS_PROFILE=explore``.
"""

from __future__ import annotations

import json

import pytest
from hostile import deadline
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tnrank
from tnrank.cli import main
from tnrank.errors import TnrankError
from tnrank.files.architecture_file import dumps, loads
from tnrank.networks.graph import TensorNetwork
from tnrank.safe_files import MAX_NESTING, parse_json


# ----------------------------------------------------------------- values
class Huge(int):
    """An integer of 5,000 digits whose repr hypothesis can print."""

    def __repr__(self) -> str:
        return "10**5000 - 1" if self > 0 else "-(10**5000 - 1)"


HUGE = Huge(10**5000 - 1)
hostile_scalars = st.one_of(
    st.integers(-(2**70), 2**70),
    st.sampled_from([0, -1, 1, 2, 3, HUGE, Huge(-HUGE), 2**63, 2**31 - 1]),
    st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["", "\x1b[31m", "input", "layer1", "ones", "general", "2", "tnrank-architecture/1"]),
    st.none(),
)


def nested(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


json_values = st.recursive(
    hostile_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=20,
)


# ----------------------------------------------------------------- architecture files
def toml_value(value) -> str:
    """``value`` as TOML text (integers of any size, nested arrays, inline tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Huge):
        return ("-" if value < 0 else "") + "9" * 5000
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(repr(value), repr(value))
    if isinstance(value, str):
        return json.dumps(value)
    if value is None:
        return '""'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


top_keys = st.sampled_from(["M", "name", "description", "reference", "initial", "output", "format",
                            "bogus"])
layer_keys = st.sampled_from(["width", "name", "sources", "integration", "widht"])


@st.composite
def architecture_texts(draw) -> str:
    lines = [f"{k} = {toml_value(draw(json_values))}"
             for k in draw(st.lists(top_keys, max_size=5, unique=True))]
    for _ in range(draw(st.integers(0, 4))):
        lines.append("[[layer]]")
        lines += [f"{k} = {toml_value(draw(json_values))}"
                  for k in draw(st.lists(layer_keys, max_size=4, unique=True))]
    return "\n".join(lines) + "\n"


@settings(max_examples=300, deadline=None)
@given(text=architecture_texts())
def test_architecture_files_accept_or_refuse_cleanly(text):
    with deadline(20):
        try:
            arch = loads(text, source="fuzz.toml")
        except TnrankError as exc:
            assert str(exc).startswith("fuzz.toml")
            return
        assert loads(dumps(arch)) == arch  # what is accepted is written back unchanged


@settings(max_examples=100, deadline=None)
@given(raw=st.binary(max_size=200))
def test_architecture_files_of_random_bytes(raw):
    with deadline(20):
        try:
            arch = loads(raw.decode("utf-8", errors="replace"), source="fuzz.toml")
        except TnrankError:
            return
        assert loads(dumps(arch)) == arch


@pytest.mark.parametrize("text, fragment", [
    ("M = " + "[" * 5000 + "]" * 5000, "nested too deeply"),
    ("M = " + "9" * 5000, "cannot be read"),
    ("M = true\n[[layer]]\nwidth = 2\n", "whole number"),
    ("M = 2\n[[layer]]\nwidth = true\n", "whole number"),
    ("M = 2\n" + "[[layer]]\nwidth = 1\n" * 5000, "at most 1,000 layers"),
])
def test_hostile_architecture_files(text, fragment):
    with deadline(20), pytest.raises(TnrankError, match=fragment):
        loads(text, source="x.toml")


# ----------------------------------------------------------------- network files
network_keys = st.sampled_from(["format", "name", "nodes", "bonds", "legs", "description", "x"])
entries = st.one_of(
    json_values,
    st.fixed_dictionaries({}, optional={
        "nodes": st.lists(st.one_of(st.text(max_size=3), hostile_scalars), max_size=3),
        "node": st.one_of(st.text(max_size=3), hostile_scalars),
        "dim": hostile_scalars,
        "step": hostile_scalars,
        "name": hostile_scalars,
        "copy": hostile_scalars,
    }),
)


@st.composite
def network_dicts(draw) -> dict:
    data = {k: draw(json_values) for k in draw(st.lists(network_keys, max_size=3, unique=True))}
    data["nodes"] = draw(st.lists(st.one_of(st.sampled_from(["A", "B", "C"]), hostile_scalars),
                                  max_size=4))
    data["bonds"] = draw(st.lists(entries, max_size=4))
    data["legs"] = draw(st.lists(entries, max_size=4))
    return data


@settings(max_examples=300, deadline=None)
@given(data=network_dicts())
def test_network_dicts_accept_or_refuse_cleanly(data):
    with deadline(20):
        try:
            net = TensorNetwork.from_dict(data, source="fuzz.json")
        except TnrankError:
            return
        net.summary()  # an accepted network is usable
        assert TensorNetwork.from_dict(net.to_dict()).same_structure(net)


def mark_huge(value):
    """``value`` with each :class:`Huge` replaced by a marker (json cannot print it)."""
    if isinstance(value, Huge):
        return "<huge>"
    if isinstance(value, list):
        return [mark_huge(v) for v in value]
    if isinstance(value, dict):
        return {k: mark_huge(v) for k, v in value.items()}
    return value


@settings(max_examples=100, deadline=None)
@given(data=network_dicts())
def test_network_files_accept_or_refuse_cleanly(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("net") / "fuzz.json"
    path.write_text(json.dumps(mark_huge(data)).replace('"<huge>"', "9" * 5000))
    with deadline(20):
        try:
            net = tnrank.load(path)
        except TnrankError:
            return
        assert TensorNetwork.from_dict(net.to_dict()).same_structure(net)


def test_nesting_limit_is_enforced_after_parsing():
    assert parse_json(json.dumps(nested(MAX_NESTING - 1))) == nested(MAX_NESTING - 1)
    with pytest.raises(TnrankError, match="nested"):
        parse_json(json.dumps(nested(MAX_NESTING + 1)))


# ----------------------------------------------------------------- command line
size_values = st.sampled_from(["-1", "0", "1", "2", "3", "99999999999", "1e9", "", "abc", "true",
                               "2..3", "9" * 60, "0x10", " 2", "2,3"])
small_sizes = st.sampled_from(["1", "2"])
T_values = st.sampled_from(["2", "4", "6", "-4", "0", "5", "100000000000", "99999999999", "2..4",
                            "abc", ""])


@st.composite
def command_lines(draw) -> list[str]:
    """A valid small command line with one or two options replaced by hostile values."""
    command = draw(st.sampled_from(["rank", "bound"]))
    options = {"-L": draw(small_sizes), "-R": draw(small_sizes), "-M": draw(small_sizes),
               "-T": draw(st.sampled_from(["2", "4"]))}
    hostile = {"-L": size_values, "-R": size_values, "-M": size_values, "-T": T_values,
               "--partition": st.sampled_from(["0,,1", "9", "", "0", "x", "-1", ",", "0,0"])}
    if command == "rank":
        hostile |= {"--seed": size_values,
                    "--prime": st.sampled_from(["3", "4", "0", "-7", "1073741789", "2**30", "1e9"]),
                    "--max-samples": size_values,
                    "--max-entries": size_values,
                    "--grid": st.sampled_from(["full", "bogus", "sampled", ""])}
    for flag in draw(st.lists(st.sampled_from(sorted(hostile)), min_size=1, max_size=2,
                              unique=True)):
        options[flag] = draw(hostile[flag])
    argv = [command]
    for flag, value in options.items():
        argv += [flag, value]
    return argv


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=command_lines())
def test_command_lines_run_or_refuse_in_one_line(argv, tmp_path_factory, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path_factory.mktemp("cli"))
    argv = argv + ["-q"] if argv[0] == "rank" else argv
    with deadline(60):
        code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert code in (0, 2), (argv, code, err)
    if code == 2:
        assert err.count("\n") == 1 and err.startswith("tnrank"), (argv, err)


HOSTILE_OPTIONS = {
    "-L": ["-1", "0", "99999999999", "1e9", "", "abc", "true", "9" * 60, "2..3"],
    "-R": ["-1", "0", "99999999999", "", "abc", "true", "9" * 60, "2,3"],
    "-M": ["-1", "0", "99999999999", "", "abc", "9" * 60],
    "-T": ["-4", "0", "1", "5", "100000000000", "99999999999", "2..4", "abc", ""],
    "--partition": ["0,,1", "9", "", "x", "-1", ",", "0,0", "0,1,2,3", "interleaved"],
    "--seed": ["-1", "abc", "", "9" * 60, "1.5"],
    "--prime": ["3", "4", "0", "-7", "2**30", "1e9", "1073741827", "9" * 60],
    "--max-samples": ["-1", "0", "99999999999", "abc"],
    "--max-entries": ["-1", "0", "99999999999", "abc"],
    "--grid": ["bogus", ""],
}
_TABLE = [("rank", flag, value) for flag, values in HOSTILE_OPTIONS.items() for value in values]
_TABLE += [("bound", flag, value) for flag in ("-L", "-R", "-M", "-T", "--partition")
           for value in HOSTILE_OPTIONS[flag]]


# verify and sweep: the list options (values, lists, ranges), the results file and FILE
_SWEEP_HOSTILE = {
    "-L": ["-1", "0", "99999999999", "1..99999999999", "3..1", "1,,", "abc", "9" * 60],
    "-R": ["0", "99999999999", "1..99999999999", "2..", "abc", "9" * 60],
    "-M": ["0", "99999999999", "..3", "abc"],
    "-T": ["-4", "5", "100000000000", "2..99999999999", "8..2", "abc", ""],
    "--json-file": [".", "/nonexistent-folder/r.json", "r.toml/"],
    "FILE": ["missing.toml", ".", "/dev/null"],
}
_TABLE += [(command, flag, value) for command in ("verify", "sweep")
           for flag, values in _SWEEP_HOSTILE.items() for value in values]


@pytest.mark.parametrize("command, flag, value", _TABLE)
def test_each_hostile_option_alone(command, flag, value, tmp_path, capsys, monkeypatch):
    """Every hostile value of every option, the rest of the command line valid and small."""
    monkeypatch.chdir(tmp_path)
    options = {"-L": "2", "-R": "2", "-M": "2", "-T": "4", flag: value}
    if flag == "FILE":  # an architecture file in place of -L -R -M
        options = {"-T": "4"}
    argv = [command] + [x for pair in options.items() for x in pair]
    argv += [value] if flag == "FILE" else []
    argv += ["-q"] if command in ("rank", "verify", "sweep") else []
    argv += ["--json"] if command == "sweep" else []
    with deadline(60):
        code = main(argv)
    _, err = capsys.readouterr()
    assert "Traceback" not in err
    assert code in (0, 2), (argv, code, err)
    if code == 2:
        assert err.count("\n") == 1 and err.startswith("tnrank"), (argv, err)


# ----------------------------------------------------------------- sizes beyond the work limits
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(L=st.integers(1, 1000), half=st.integers(1, 500_000),
       command=st.sampled_from(["rank", "verify", "bound"]))
def test_work_beyond_the_limits_is_refused_at_once(L, half, command, capsys):
    """Any depth and length past the certified-rank limit (the bounds' limit for bound) is
    refused in one line naming it, before the bounds or any sample: within seconds."""
    from hypothesis import assume

    from tnrank.certification.limits import MAX_BOUND_STEP_LAYERS, MAX_STEP_LAYERS

    T = 2 * half
    limit = MAX_BOUND_STEP_LAYERS if command == "bound" else MAX_STEP_LAYERS
    assume(T * L > limit)
    argv = [command, "-L", str(L), "-R", "2", "-M", "2", "-T", str(T)]
    with deadline(10):
        code = main(argv + ([] if command == "bound" else ["-q"]))
    _, err = capsys.readouterr()
    assert code == 2 and err.count("\n") == 1, (argv, err)
    assert f"{T * L:,} steps × layers" in err and f"{limit:,}" in err, (argv, err)
