"""Example tensor networks: a matrix product state, a binary tree, a 2-D grid.

The shipped files in ``tnrank/data/networks/`` are written by
``python -m tnrank.networks.examples`` from these builders (a test checks they agree):

========================  ==============================================================
``mps-8.json``            matrix product state (Tensor Train) of 8 sites, bond 3,
                          physical 2: the network of a shallow recurrent circuit
``tree-8.json``           binary tree of 8 leaves, bond 3, physical 2: the hierarchical
                          Tucker network of a convolutional arithmetic circuit
``peps-3x3.toml``         3 × 3 grid (PEPS), bond 2, physical 2: a network with loops
========================  ==============================================================

Every leg's step is its site number (row-major on the grid, left to right on
the chain and the tree's leaves).
"""

from __future__ import annotations

from pathlib import Path

from tnrank.errors import TnrankError
from tnrank.networks.graph import TensorNetwork

__all__ = ["mps", "binary_tree", "lattice_2d", "example_path", "EXAMPLES", "DATA_DIR"]

#: Directory of the shipped network files.
DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "networks"


def _size(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise TnrankError(f"{what} must be a whole number >= 1, got {value!r}")
    return value


def mps(n: int, bond: int = 2, phys: int = 2) -> TensorNetwork:
    """Open-boundary matrix product state: sites ``A0 … A{n-1}`` in a chain.

    >>> mps(3, bond=4).shape("A1")
    (4, 4, 2)
    """
    n, bond, phys = _size(n, "number of sites"), _size(bond, "bond"), _size(phys, "physical dim")
    net = TensorNetwork(f"mps-{n}", f"matrix product state of {n} sites, bond {bond}, physical {phys}")
    for i in range(n):
        net.add_node(f"A{i}")
    for i in range(n - 1):
        net.add_bond(f"A{i}", f"A{i + 1}", bond, name=f"A{i}-A{i + 1}")
    for i in range(n):
        net.add_leg(f"A{i}", phys, name=f"x{i}")
    return net


def binary_tree(levels: int, bond: int = 2, phys: int = 2) -> TensorNetwork:
    """Perfect binary tree with ``2**levels`` leaves, each carrying one open leg.

    Node ``n<d>.<i>`` is the ``i``-th node at depth ``d`` (the root is
    ``n0.0``); leaves are at depth ``levels``. This is the hierarchical Tucker
    network of a convolutional arithmetic circuit with size-2 pooling (Cohen,
    Sharir & Shashua, "On the Expressive Power of Deep Learning: A Tensor
    Analysis", 2016).

    >>> binary_tree(2).shape("n1.0"), binary_tree(2).shape("n2.3")
    ((2, 2, 2), (2, 2))
    """
    levels = _size(levels, "levels")
    bond, phys = _size(bond, "bond"), _size(phys, "physical dim")
    leaves = 2**levels
    net = TensorNetwork(f"tree-{leaves}",
                        f"binary tree of {leaves} leaves, bond {bond}, physical {phys}")
    for d in range(levels + 1):
        for i in range(2**d):
            net.add_node(f"n{d}.{i}")
    for d in range(1, levels + 1):
        for i in range(2**d):
            net.add_bond(f"n{d - 1}.{i // 2}", f"n{d}.{i}", bond, name=f"n{d - 1}.{i // 2}-n{d}.{i}")
    for i in range(leaves):
        net.add_leg(f"n{levels}.{i}", phys, name=f"x{i}")
    return net


def lattice_2d(rows: int, cols: int, bond: int = 2, phys: int = 2) -> TensorNetwork:
    """Open-boundary 2-D grid (PEPS): site ``s<r>.<c>`` joined to its right and
    lower neighbours; leg ``x<k>`` with ``k = r·cols + c``.

    >>> lattice_2d(2, 3).shape("s1.1")
    (2, 2, 2, 2)
    """
    rows, cols = _size(rows, "rows"), _size(cols, "columns")
    bond, phys = _size(bond, "bond"), _size(phys, "physical dim")
    net = TensorNetwork(f"peps-{rows}x{cols}",
                        f"{rows}x{cols} grid (PEPS), bond {bond}, physical {phys}")
    for r in range(rows):
        for c in range(cols):
            net.add_node(f"s{r}.{c}")
    for r in range(rows):
        for c in range(cols):
            if c + 1 < cols:
                net.add_bond(f"s{r}.{c}", f"s{r}.{c + 1}", bond, name=f"s{r}.{c}-s{r}.{c + 1}")
            if r + 1 < rows:
                net.add_bond(f"s{r}.{c}", f"s{r + 1}.{c}", bond, name=f"s{r}.{c}-s{r + 1}.{c}")
    for r in range(rows):
        for c in range(cols):
            net.add_leg(f"s{r}.{c}", phys, name=f"x{r * cols + c}")
    return net


#: Shipped examples by file name; each value builds its network.
EXAMPLES = {
    "mps-8.json": lambda: mps(8, bond=3, phys=2),
    "tree-8.json": lambda: binary_tree(3, bond=3, phys=2),
    "peps-3x3.toml": lambda: lattice_2d(3, 3, bond=2, phys=2),
}


def example_path(name: str) -> Path:
    """Path of a shipped example, by name with or without suffix (``"peps-3x3"``).

    >>> example_path("mps-8").name
    'mps-8.json'
    """
    for file in EXAMPLES:
        if name in (file, file.rsplit(".", 1)[0]):
            return DATA_DIR / file
    raise TnrankError(f"no example network called {name!r}; examples are "
                      f"{', '.join(f.rsplit('.', 1)[0] for f in EXAMPLES)}")
