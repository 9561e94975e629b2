"""Flags that say one thing everywhere: mistyped flags, -R in sweeps, odd T, lists, --from."""

import argparse
import json
import math

import pytest

import tnrank
import tnrank.studies.sweeps
import tnrank.studies.verification
from tnrank.cli import COMMANDS, build_parser, main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


#: Arguments each command needs before argparse reaches the unknown flag.
NEEDED = {"merge": ["a.json", "-o", "b.json"], "draw": ["-o", "x.svg"], "analyze": ["a.toml", "-T", "4"],
          "experiment copying": [], "experiment ses": [], "experiment plot": ["r.json"]}


def _commands():
    top = _subparsers(build_parser())
    for name in COMMANDS:
        parser = top[name]
        if name == "experiment":
            for task, sub in _subparsers(parser).items():
                yield f"{name} {task}", sub
        else:
            yield name, parser


@pytest.mark.parametrize("name, parser", list(_commands()), ids=lambda x: x if isinstance(x, str) else "")
def test_a_mistyped_flag_is_refused_by_its_command_with_the_nearest_flag(capsys, name, parser):
    flags = [f for a in parser._actions for f in a.option_strings
             if f.startswith("--") and len(f) > 6 and a.help != argparse.SUPPRESS and f != "--help"]
    flag = max(flags, key=len)  # the longest is the least likely to sit near another
    typo = flag[:3] + flag[4] + flag[3] + flag[5:]  # two letters swapped: --expalin
    code, out, err = run(capsys, *name.split(), *NEEDED.get(name, []), typo)
    assert code == 2 and out == ""
    assert err == (f"tnrank {name}: error: unrecognized arguments: {typo} "
                   f"(did you mean {flag}?)\n")


def test_a_mistyped_rank_flag_the_issue_reported(capsys):
    code, _, err = run(capsys, "rank", "--explian", "-L", "1", "-R", "2", "-M", "2", "-T", "4")
    assert code == 2
    assert err == "tnrank rank: error: unrecognized arguments: --explian (did you mean --explain?)\n"


def test_an_unknown_word_without_a_near_flag_gets_no_hint(capsys):
    code, _, err = run(capsys, "verify", "--zzzzzz")
    assert code == 2 and err == "tnrank verify: error: unrecognized arguments: --zzzzzz\n"


@pytest.mark.parametrize("command", ["verify", "sweep", "fit"])
def test_space_separated_widths_in_a_sweep_are_refused_naming_both_meanings(capsys, monkeypatch, command):
    def no_work(*args, **kwargs):
        raise AssertionError("work started")

    monkeypatch.setattr(tnrank.studies.verification, "certify", no_work)
    code, out, err = run(capsys, command, "-L", "2", "-R", "4", "2", "-M", "3", "-T", "4", "--json")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and f"tnrank {command}: error: -R 4 2 is ambiguous" in err
    assert "-R 4,2" in err and "per-layer widths 4, 2" in err and "architecture file" in err


def test_comma_listed_widths_sweep_uniform_racs_as_rank_certifies_them(capsys):
    code, out, _ = run(capsys, "verify", "-L", "1", "-R", "3,2", "-M", "2", "-T", "4", "--json", "-q")
    rows = json.loads(out)["rows"]
    assert code == 0 and [(r["L"], r["R"]) for r in rows] == [(1, 3), (1, 2)]
    for row in rows:
        # each width on its own: the uniform RAC rank certifies, and Theorem 1's min(R, M^(T/2))
        _, single, _ = run(capsys, "rank", "-L", "1", "-R", str(row["R"]), "-M", "2", "-T", "4",
                           "--json", "-q")
        assert row["separation"]["rank"] == json.loads(single)["separation"]["rank"]
        assert row["separation"]["rank"] == min(row["R"], 2 ** 2)


@pytest.mark.parametrize("command", ["verify", "sweep"])
def test_odd_lengths_in_a_sweep_name_flags_the_sweep_has(capsys, command):
    code, _, err = run(capsys, command, "-L", "1", "-R", "2", "-M", "2", "-T", "3", "--json")
    assert code == 2 and "--partition" not in err
    assert "needs an even T, got T=3" in err and "-T such as 2 or 4" in err
    option_strings = {f for a in _subparsers(build_parser())[command]._actions for f in a.option_strings}
    assert "--partition" not in option_strings  # the reason the message may not mention it


@pytest.mark.parametrize("value", ["1,,2", ",1", "2,"])
def test_a_list_with_an_empty_entry_is_refused(capsys, value):
    code, _, err = run(capsys, "verify", "-L", value, "-R", "2", "-M", "2", "-T", "2", "-q")
    assert code == 2 and f"-L {value!r} has an empty entry" in err


def _results(tmp_path, capsys):
    path = tmp_path / "r.json"
    code, _, _ = run(capsys, "sweep", "-L", "1", "-R", "2", "-M", "2", "-T", "2", "4", "--json-file",
                     str(path), "-q")
    assert code == 0
    return path


@pytest.mark.parametrize("extra, named", [(["-L", "3"], "-L"), (["-T", "8"], "-T"),
                                          (["--seed", "4", "-j", "2"], "--seed, -j"),
                                          (["graphs/gla.toml"], "FILE")])
def test_sweep_from_refuses_what_it_would_ignore(tmp_path, capsys, extra, named):
    source = _results(tmp_path, capsys)
    csv = tmp_path / "t.csv"
    code, _, err = run(capsys, "sweep", "--from", str(source), "--csv", str(csv), *extra)
    assert code == 2 and f"so {named} would be ignored" in err and not csv.exists()
    code, _, _ = run(capsys, "sweep", "--from", str(source), "--csv", str(csv))
    assert code == 0 and csv.read_text().count("\n") == 3  # header and the two points


def test_verify_and_sweep_json_carry_their_format_and_version(capsys, tmp_path):
    code, out, _ = run(capsys, "verify", "-L", "1", "-R", "2", "-M", "2", "-T", "4", "--json", "-q")
    data = json.loads(out)
    assert code == 0 and data["format"] == "tnrank-verify/1"
    assert data["tnrank_version"] == tnrank.__version__
    assert data["rows"][0]["separation"]["rank"] == min(2, 2 ** 2)  # Theorem 1, depth 1, tight
    code, out, _ = run(capsys, "sweep", "-L", "1", "-R", "2", "-M", "2", "-T", "4", "--json", "-q")
    data = json.loads(out)
    assert code == 0 and list(data)[:2] == ["format", "tnrank_version"]
    assert data["format"] == "tnrank-sweep" and data["tnrank_version"] == tnrank.__version__
    # what --json printed replots like a results file
    saved = tmp_path / "printed.json"
    saved.write_text(out)
    code, _, _ = run(capsys, "sweep", "--from", str(saved), "--csv", str(tmp_path / "t.csv"))
    assert code == 0 and f"{math.comb(2, 1)}" in (tmp_path / "t.csv").read_text()


@pytest.mark.parametrize("command", [["rank", "-T", "4"], ["verify"], ["sweep", "--json"]])
def test_an_empty_scheduler_address_is_refused(capsys, monkeypatch, command):
    def no_work(*args, **kwargs):
        raise AssertionError("work started")

    monkeypatch.setattr(tnrank.studies.verification, "certify", no_work)
    monkeypatch.setattr("tnrank.cli.rank.certify", no_work)
    code, _, err = run(capsys, *command, "-L", "1", "-R", "2", "-M", "2", "--scheduler", "", "-q")
    assert code == 2 and "--scheduler needs the address of a running Dask scheduler" in err


def test_experiment_settings_default_to_the_dataclasses_without_pytorch(monkeypatch):
    import dataclasses
    import sys

    monkeypatch.setitem(sys.modules, "torch", None)  # the defaults must not need PyTorch
    from tnrank.cli.experiment import spec_from_args
    from tnrank.experiments.presets import preset
    from tnrank.experiments.results import ExperimentSpec
    from tnrank.experiments.train_config import TrainConfig

    args = build_parser().parse_args(["experiment", "copying", "--preset", "smoke"])
    spec = spec_from_args(args)
    given = preset("copying", "smoke")
    train = {f.name: f.default for f in dataclasses.fields(TrainConfig)}
    for key, value in spec.train.items():
        assert value == given.get(key, train[key]), key
    for f in dataclasses.fields(ExperimentSpec):
        if f.default is not dataclasses.MISSING and f.name not in ("macs", "rank_length"):
            assert getattr(spec, f.name) == given.get(f.name, f.default), f.name


@pytest.mark.parametrize("argv, prog, nearest", [
    (["rnak"], "tnrank", "rank"),
    (["experiment", "copyng"], "tnrank experiment", "copying"),
    (["verify", "--grid", "ful"], "tnrank verify", "full"),
])
def test_a_mistyped_choice_gets_the_nearest_one(capsys, argv, prog, nearest):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith(f"{prog}: error: ")
    assert f"invalid choice: '{argv[-1]}' (did you mean {nearest}?" in err
