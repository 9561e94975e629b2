"""Tensor-network files: a :class:`~tnrank.networks.graph.TensorNetwork` as JSON or TOML.

The content is the network's plain-dict form (:meth:`TensorNetwork.to_dict`):
nodes, bonds with dimensions and open legs, described in the docs' tensor-network
page. JSON is written with one node, bond or leg per line; TOML is read with the
standard library's ``tomllib`` and written by :mod:`tnrank.files.toml_writer`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from tnrank.errors import TnrankError
from tnrank.files.toml_writer import dumps_toml
from tnrank.networks.examples import DATA_DIR, EXAMPLES, example_path
from tnrank.networks.graph import TensorNetwork
from tnrank.safe_files import MAX_READ_BYTES, atomic_write, parse_json, parse_toml, printable, read_text

__all__ = ["load", "load_or_example", "dump", "dumps", "MAX_FILE_BYTES"]

#: Largest network file tnrank reads.
MAX_FILE_BYTES = MAX_READ_BYTES


def dumps(network: TensorNetwork, fmt: str = "json") -> str:
    """The text of a network file.

    Parameters
    ----------
    network : TensorNetwork
    fmt : {"json", "toml"}

    Examples
    --------
    >>> from tnrank.networks.examples import mps
    >>> print(dumps(mps(2), "toml"), end="")
    format = "tnrank-network/1"
    name = "mps-2"
    description = "matrix product state of 2 sites, bond 2, physical 2"
    nodes = ["A0", "A1"]
    <BLANKLINE>
    [[bonds]]
    nodes = ["A0", "A1"]
    dim = 2
    name = "A0-A1"
    <BLANKLINE>
    [[legs]]
    node = "A0"
    dim = 2
    name = "x0"
    step = 0
    copy = 0
    <BLANKLINE>
    [[legs]]
    node = "A1"
    dim = 2
    name = "x1"
    step = 1
    copy = 0
    """
    if not isinstance(network, TensorNetwork):
        raise TnrankError(f"only a TensorNetwork can be written as a network file, not "
                          f"{type(network).__name__}")
    data = network.to_dict()
    if fmt == "toml":
        if not all(isinstance(n, (str, int)) for n in data["nodes"]):
            data["nodes"] = [n if isinstance(n, dict) else {"name": n} for n in data["nodes"]]
        return dumps_toml(data)
    if fmt != "json":
        raise TnrankError(f"network file format {fmt!r} is unknown; use 'json' or 'toml'")
    lines = []
    for key, value in data.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            items = ",\n".join("  " + json.dumps(v, ensure_ascii=False) for v in value)
            lines.append(f"  {json.dumps(key)}: [\n{items}\n  ]")
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def dump(network: TensorNetwork, path: str | os.PathLike) -> None:
    """Write ``network`` to ``path`` atomically: TOML when the name ends in ``.toml``, else JSON."""
    fmt = "toml" if Path(os.fspath(path)).suffix.lower() == ".toml" else "json"
    atomic_write(path, dumps(network, fmt))


def load(path: str | os.PathLike) -> TensorNetwork:
    """Read a network file: JSON, or TOML when the name ends in ``.toml``.

    Examples
    --------
    >>> from tnrank.networks.examples import example_path
    >>> load(example_path("peps-3x3")).summary()
    'peps-3x3: 9 tensors, 12 bonds, 9 open legs over 9 steps; tensor 9'
    """
    label = os.fspath(path)
    text = read_text(path, "a network file (.json or .toml)", max_bytes=MAX_FILE_BYTES)
    data: Any
    if Path(label).suffix.lower() == ".toml":
        data = parse_toml(text, source=f"network file {label}")
    else:
        data = parse_json(text, source=f"network file {label}")
    return TensorNetwork.from_dict(data, source=printable(label))


def load_or_example(spec: str | os.PathLike) -> TensorNetwork:
    """A network file, or a shipped example by name (``mps-8``, ``tree-8``, ``peps-3x3``).

    >>> load_or_example("tree-8").summary()
    'tree-8: 15 tensors, 14 bonds, 8 open legs over 8 steps; tensor 15'
    """
    if Path(os.fspath(spec)).exists():
        return load(spec)
    try:
        path = example_path(os.fspath(spec))
    except TnrankError:
        raise TnrankError(f"network file {printable(os.fspath(spec))!r} does not exist (shipped "
                          "examples: mps-8, tree-8, peps-3x3)") from None
    return load(path)


def write_examples(directory: Path = DATA_DIR) -> list[Path]:
    """Write the shipped example files (``python -m tnrank.files.network_file``)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for file, build in EXAMPLES.items():
        path = directory / file
        net = build()
        if file.endswith(".toml"):
            path.write_text(dumps(net, "toml"))
        else:
            dump(net, path)
        written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover
    for p in write_examples(Path(sys.argv[1]) if len(sys.argv) > 1 else DATA_DIR):
        print(p)
