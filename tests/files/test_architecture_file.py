"""Architecture files: round trip, defaults, equivalence with the built-in RAC, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import architectures

from tnrank import PRIME, Architecture, Layer, TnrankError, certify, evaluate, random_weights
from tnrank.files.architecture_file import MAX_FILE_BYTES, dump, dumps, load, loads
from tnrank.model.architecture import ARCHITECTURE_FORMAT

GRAPHS = Path(__file__).resolve().parents[2] / "graphs"
GALLERY = sorted(GRAPHS.glob("*.toml"))

# ---------------------------------------------------------------------- round trip

one_line = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"),
                   max_size=30)


@settings(max_examples=60, deadline=None)
@given(arch=architectures(), name=one_line, description=one_line, reference=one_line)
def test_object_file_object_is_identity(arch, name, description, reference):
    arch = Architecture(arch.M, arch.layers, arch.output, arch.initial, name, description, reference)
    text = dumps(arch)
    back = loads(text)
    assert back == arch
    assert back.order == arch.order
    assert dumps(back) == text  # the written form is canonical


@pytest.mark.parametrize("path", GALLERY, ids=lambda p: p.name)
def test_gallery_files_are_canonical(path, tmp_path):
    arch = load(path)
    out = tmp_path / path.name
    dump(arch, out)
    assert out.read_bytes() == path.read_bytes()
    assert load(out) == arch


def test_layer_names_with_quotes_and_backslashes_survive(tmp_path):
    odd = 'say "hi" \\ tab\there ⊙ \x01'
    arch = Architecture(2, [Layer(2, name=odd), Layer(1, (odd, "input"), "general", "b")],
                        output=("b", odd), name=odd, description="α ⊙ a", reference="ref")
    dump(arch, tmp_path / "odd.toml")
    assert load(tmp_path / "odd.toml") == arch


def test_defaults_are_the_documented_ones():
    arch = loads("M = 3\n[[layer]]\nwidth = 2\n[[layer]]\nwidth = 4\n")
    assert arch == Architecture(M=3, layers=[2, 4])
    assert [ly.name for ly in arch.layers] == ["layer1", "layer2"]
    assert [ly.sources for ly in arch.layers] == [("input",), ("layer1",)]
    assert {ly.integration for ly in arch.layers} == {"multiplicative"}
    assert arch.output == ("layer2",) and arch.initial == "ones"
    assert (arch.name, arch.description, arch.reference) == ("", "", "")


def test_single_names_are_accepted_for_lists():
    arch = loads('M = 2\noutput = "a"\n[[layer]]\nname = "a"\nwidth = 2\nsources = "input"\n')
    assert arch.output == ("a",) and arch.layers[0].sources == ("input",)


def test_a_source_may_be_listed_twice_as_in_code():
    arch = Architecture(2, [Layer(2), Layer(2, ("layer1", "input", "layer1"))])
    assert loads(dumps(arch)) == arch and sum(arch.source_dims(1)) == 6


def test_layers_may_read_layers_listed_later():
    text = ('M = 2\noutput = ["top"]\n[[layer]]\nname = "top"\nwidth = 2\nsources = ["bottom"]\n'
            '[[layer]]\nname = "bottom"\nwidth = 3\nsources = ["input"]\n')
    arch = loads(text)
    assert [arch.layers[k].name for k in arch.order] == ["bottom", "top"]


# ------------------------------------------------------- the paper's RAC as a file


@pytest.mark.parametrize("depth", [2, 3, 4])
def test_gallery_rac_gives_exactly_the_builtin_results(depth):
    from_file = load(GRAPHS / f"deep_rac_{depth}.toml")
    builtin = Architecture.rac(depth, 3, 2)
    same_structure = Architecture(builtin.M, builtin.layers, builtin.output, builtin.initial,
                                  from_file.name, from_file.description, from_file.reference)
    assert from_file == same_structure and from_file.is_standard_rac
    x = np.random.default_rng(depth).integers(-3, 4, size=(5, 6, 2))
    for prime in (PRIME, None):
        a = evaluate(random_weights(from_file, seed=7, prime=prime), x)
        b = evaluate(random_weights(builtin, seed=7, prime=prime), x)
        assert np.array_equal(a, b)
    r1, r2 = certify(from_file, T=4), certify(builtin, T=4)
    for key in ("grid", "separation", "theorems", "verdict", "partition"):
        d1, d2 = r1.to_dict()[key], r2.to_dict()[key]
        for d in (d1, d2):
            if isinstance(d, dict):
                d.pop("seconds", None)
                if isinstance(d.get("float"), dict):  # float SVD tolerances may differ in the last bit
                    d["float"] = d["float"]["rank"]
        assert d1 == d2


def test_builtin_rac_round_trips_through_a_file(tmp_path):
    arch = Architecture.rac(3, [2, 1, 2], 4, initial="state")
    dump(arch, tmp_path / "r.toml")
    assert load(tmp_path / "r.toml") == arch


# ---------------------------------------------------------------------- bad input


def problems_of(text: str) -> list[str]:
    with pytest.raises(TnrankError) as info:
        loads(text, source="f.toml")
    msg = str(info.value)
    assert msg.startswith("f.toml: ")
    return msg.splitlines()


BAD = {
    "unknown top key": ('M = 2\nwidht = 3\n[[layer]]\nwidth = 2\n', ["unknown key 'widht'"]),
    "typo in M": ('m = 2\n[[layer]]\nwidth = 2\n', ["did you mean 'M'?", "'M' is missing"]),
    "unknown layer key": ('M = 2\n[[layer]]\nwidth = 2\nintegraton = "additive"\n',
                          ["did you mean 'integration'?"]),
    "missing width": ('M = 2\n[[layer]]\nname = "a"\n', ["'width' is missing"]),
    "missing layers": ('M = 2\n', ["no [[layer]] table"]),
    "single table": ('M = 2\n[layer]\nwidth = 2\n', ["write [[layer]] (double brackets)"]),
    "zero width": ('M = 2\n[[layer]]\nwidth = 0\n', ["width = 0 is not allowed"]),
    "negative M": ('M = -3\n[[layer]]\nwidth = 2\n', ["M (number of representation functions) = -3"]),
    "absurd width": ('M = 2\n[[layer]]\nwidth = 1_000_000_000\n', ["larger than tnrank's limit"]),
    "huge integer": ('M = 2\n[[layer]]\nwidth = 99999999999999999999999999\n',
                     ["larger than tnrank's limit"]),
    "float width": ('M = 2\n[[layer]]\nwidth = 3.0\n', ["must be a whole number", "got 3.0"]),
    "bool width": ('M = 2\n[[layer]]\nwidth = true\n', ["got True"]),
    "string M": ('M = "2"\n[[layer]]\nwidth = 2\n', ["got '2'"]),
    "unknown source": ('M = 2\n[[layer]]\nwidth = 2\n[[layer]]\nwidth = 2\nsources = ["layr1"]\n',
                       ["source 'layr1' does not exist; did you mean 'layer1'?"]),
    "self source": ('M = 2\n[[layer]]\nname = "a"\nwidth = 2\nsources = ["a"]\n', ["lists the layer itself"]),
    "cycle": ('M = 2\n[[layer]]\nname = "a"\nwidth = 2\nsources = ["b"]\n'
              '[[layer]]\nname = "b"\nwidth = 2\nsources = ["a", "input"]\n', ["cycle: a -> b -> a"]),
    "duplicate names": ('M = 2\n[[layer]]\nname = "a"\nwidth = 2\n[[layer]]\nname = "a"\nwidth = 2\n',
                        ["'a' is used by more than one"]),
    "reserved name": ('M = 2\n[[layer]]\nname = "input"\nwidth = 2\n', ["reserved"]),
    "empty name": ('M = 2\n[[layer]]\nname = " "\nwidth = 2\n', ["name is empty"]),
    "bad integration": ('M = 2\n[[layer]]\nwidth = 2\nintegration = "add"\n',
                        ["did you mean 'additive'?"]),
    "bad initial": ('M = 2\ninitial = "zero"\n[[layer]]\nwidth = 2\nintegration = "additive"\n',
                    ["did you mean 'zeros'?"]),
    "zeros kill products": ('M = 2\ninitial = "zeros"\n[[layer]]\nwidth = 2\n', ["identically zero"]),
    "bad output": ('M = 2\noutput = ["layer3"]\n[[layer]]\nwidth = 2\n',
                   ["output reads 'layer3', which is not a layer; did you mean 'layer1'?"]),
    "empty output": ('M = 2\noutput = []\n[[layer]]\nwidth = 2\n', ["non-empty list of names"]),
    "multi-line text": ('description = """two\nlines"""\nM = 2\n[[layer]]\nwidth = 2\n', ["one line"]),
    "network file": ('format = "tnrank-network/1"\nM = 2\n[[layer]]\nwidth = 2\n', ["tnrank bound"]),
    "not TOML": ("M = 2\nthis is not toml\n", ["not a valid TOML file", "line 2"]),
    "python code": ("M = __import__('os').system('echo hacked')\n", ["not a valid TOML file"]),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_input_is_named_with_what_is_allowed(case):
    text, expected = BAD[case]
    message = "\n".join(problems_of(text))
    for fragment in expected:
        assert fragment in message


def test_every_problem_is_reported_at_once():
    lines = problems_of('M = 0\nintial = "ones"\n[[layer]]\nwidth = -1\n[[layer]]\nsources = ["x"]\n')
    assert lines[0] == "f.toml: 5 problems in the architecture file"
    body = "\n".join(lines[1:])
    for fragment in ("M (number of representation functions) = 0", "unknown key 'intial'",
                     "[[layer]] 1: width = -1", "[[layer]] 2: key 'width' is missing",
                     "[[layer]] 2: source 'x' does not exist"):
        assert fragment in body
    assert all(line.startswith("  - ") for line in lines[1:])


def test_a_cycle_is_reported_with_the_other_problems():
    lines = problems_of('M = 2\n[[layer]]\nname = "a"\nwidth = 0\nsources = ["b"]\n'
                        '[[layer]]\nname = "b"\nsources = ["a"]\ncolour = 1\n')
    assert lines[0] == "f.toml: 4 problems in the architecture file"
    assert any("cycle: a -> b -> a" in line for line in lines)


def test_one_problem_is_one_line():
    assert len(problems_of('M = 2\n[[layer]]\nwidth = 0\n')) == 1


def test_large_files_are_refused_before_parsing(tmp_path, monkeypatch):
    path = tmp_path / "big.toml"
    valid = "M = 2\n[[layer]]\nwidth = 2\n"
    path.write_text(valid + "# padding\n" * (3 * 2**20 // 10))  # several MB of valid TOML
    import tomllib

    def never(*_a, **_k):
        raise AssertionError("the file was parsed")

    monkeypatch.setattr(tomllib, "loads", never)
    with pytest.raises(TnrankError,
                       match=r"big.toml: 3,1\d\d,\d\d\d bytes is too large for this kind of file "
                             r"\(limit 1,048,576"):
        load(path)
    assert path.stat().st_size > MAX_FILE_BYTES


@pytest.mark.parametrize("content, fragment", [
    (b"\xff\xfe\x00M", "not a text file"),
    (b"", "no [[layer]] table"),
])
def test_unreadable_contents(tmp_path, content, fragment):
    path = tmp_path / "x.toml"
    path.write_bytes(content)
    with pytest.raises(TnrankError, match=r"(?s)x\.toml: .*" + fragment.replace("[", r"\[")):
        load(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(TnrankError, match="no such file"):
        load(tmp_path / "absent.toml")
    with pytest.raises(TnrankError, match="is a directory"):
        load(tmp_path)


def test_writing_refuses_what_cannot_be_read_back(tmp_path):
    with pytest.raises(TnrankError, match="description must be one line"):
        Architecture(2, [2], description="two\nlines")  # refused before any file is written
    with pytest.raises(TnrankError, match="cannot be written"):
        dump(Architecture(2, [2]), tmp_path / "no" / "such" / "dir.toml")


def test_format_key_is_written_and_checked():
    assert f'format = "{ARCHITECTURE_FORMAT}"' in dumps(Architecture(2, [2]))
    assert loads(f'format = "{ARCHITECTURE_FORMAT}"\nM = 2\n[[layer]]\nwidth = 2\n') == Architecture(2, [2])


@pytest.mark.parametrize("via", ["tnrank.load", "rank", "analyze", "bound", "draw"])
def test_large_files_are_refused_before_parsing_by_every_reader(tmp_path, monkeypatch, capsys, via):
    # the architecture at the end of several MB of comments: only parsing could tell it is one,
    # so the size must be checked on the text first (tnrank.load allows 64 MiB for other files)
    from hostile import refused

    import tnrank

    path = tmp_path / "big.toml"
    path.write_text("M = 2\n" + "# padding\n" * (3 * 2**20 // 10) + "[[layer]]\nwidth = 2\n")
    import tomllib

    def never(*_a, **_k):
        raise AssertionError("the file was parsed")

    monkeypatch.setattr(tomllib, "loads", never)
    if via == "tnrank.load":
        with pytest.raises(TnrankError, match=r"big.toml: 3,1\d\d,\d\d\d bytes is larger than an "
                                              r"architecture file can be \(1,048,576 bytes\)"):
            tnrank.load(path)
    else:
        extra = ["-o", tmp_path / "net.svg"] if via == "draw" else []
        refused(capsys, via, path, "-T", "4", *extra, fragment="1,048,576 bytes")
