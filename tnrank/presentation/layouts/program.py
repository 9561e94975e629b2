"""The folded drawing of an architecture with polynomial cells: one step of its formulas.

Each cell layer is drawn as the graph of its compiled operations
(:class:`~tnrank.model.cell_program.Program`), one step: the input ``x`` and the states as they
were at the step before (``h^{t-1}``) at the bottom, each operation above its operands (weights
as boxes, elementwise products as copy tensors, sums as circles), and a loop from each state's
update back to the state, marked ``t-1``. A value used twice is drawn once, with two bonds: this
is the formula, not the tensor network (which duplicates it; see
:mod:`~tnrank.presentation.layouts.unrolled_cells`). Layers are stacked bottom to top in the
order their sources allow; one of the paper's layers is its copy tensor, ``W^I`` and ``W^H``.
"""

from __future__ import annotations

from dataclasses import dataclass

from tnrank.errors import TnrankError
from tnrank.model.architecture import INPUT, Architecture
from tnrank.presentation.layouts.base import CELL_SCALE, EdgePath, Layout, NodeBox, cell_node_label

__all__ = ["program_layout"]

STEP_X = 0.62  # between two operations of one level (inches, before CELL_SCALE)
STEP_Y = 0.52  # between two levels
LOOP = 0.22  # spacing of the loops that carry the states to the next step


@dataclass
class _Node:
    name: str
    kind: str
    label: str
    role: str
    operands: tuple[str, ...]
    dims: tuple[int, ...]  # the dimension of each operand's bond
    layer: int


def _layer_nodes(arch: Architecture, k: int, below: dict[int, str]
                 ) -> tuple[list[_Node], dict[str, tuple[str, int]], str]:
    """The nodes of layer ``k`` (operands first), the state each loop returns to (update node ->
    state node and its entries) and the node of what the layer passes on. ``below`` gives the
    output node of each layer already drawn."""
    layer = arch.layers[k]
    nodes: list[_Node] = []
    sources = [(f"x[{layer.name}]" if s == INPUT else below[arch.index(s)],
                arch.M if s == INPUT else arch.layers[arch.index(s)].width) for s in layer.sources]
    if any(s == INPUT for s in layer.sources):
        nodes.append(_Node(f"x[{layer.name}]", "input", "$x^t$", "input", (), (), k))
    program = arch.program(k)
    if program is None:  # the paper's layer: a copy tensor (or merge) of W^I x and W^H h
        r = layer.width
        h = f"h[{layer.name}]"
        nodes.append(_Node(h, "initial", "$h^{t-1}$", "state", (), (), k))
        nodes.append(_Node(f"WI[{layer.name}]", "weight", "$W^I$", "input", tuple(s for s, _ in sources),
                           tuple(d for _, d in sources), k))
        nodes.append(_Node(f"WH[{layer.name}]", "weight", "$W^H$", "hidden", (h,), (r,), k))
        kind = "delta" if layer.integration == "multiplicative" else "merge"
        root = f"delta[{layer.name}]"
        nodes.append(_Node(root, kind, "" if kind == "delta" else ("+" if layer.integration == "additive"
                                                                   else "MI"),
                           layer.integration, (f"WI[{layer.name}]", f"WH[{layer.name}]"), (r, r), k))
        return nodes, {root: (h, r)}, root
    name_of: dict[int, str] = {}
    for name, _state in program.states:
        node = f"{name}[{layer.name}]"
        nodes.append(_Node(node, "initial", f"${name}^{{t-1}}$", "state", (), (), k))
    concat = len(sources) > 1
    for i, op in enumerate(program.ops):
        if op.kind == "input":
            if concat:
                name_of[i] = f"op{i}[{layer.name}]"
                nodes.append(_Node(name_of[i], "tensor", "[ ; ]", "concat", tuple(s for s, _ in sources),
                                   tuple(d for _, d in sources), k))
            else:
                name_of[i] = sources[0][0]
            continue
        if op.kind == "state":
            name_of[i] = f"{op.name}[{layer.name}]"
            continue
        if op.kind == "ref":
            other, state = op.name.split(".", 1)
            j = arch.index(other)
            other_program = arch.program(j)
            name_of[i] = below.get(j, "") if other_program is None else \
                f"op{dict(other_program.updates)[state]}[{other}]"
            continue
        args = tuple(name_of[a] for a in op.args)
        dims = tuple(max(1, program.ops[a].size) for a in op.args)
        if op.kind in ("apply", "apply_t") and program.weight(op.name).structure == "identity":
            name_of[i] = args[0]
            continue
        attrs = {"kind": "weight" if op.kind in ("apply", "apply_t", "bilinear", "weight") else
                 {"mul": "delta", "pow": "delta", "add": "merge", "sub": "merge"}.get(op.kind, "tensor"),
                 "role": op.kind, "weight": op.name, "value": op.value, "op": i}
        if op.kind in ("apply", "apply_t") and program.weight(op.name).structure == "diagonal":
            attrs["kind"] = "delta"
        label = cell_node_label(attrs)
        if attrs["kind"] == "delta" and op.kind == "apply":
            label = ""
        name_of[i] = f"op{i}[{layer.name}]"
        if op.kind == "pow":
            args, dims = args * op.value, dims * op.value
        nodes.append(_Node(name_of[i], str(attrs["kind"]), label, op.kind, args, dims, k))
    sizes = dict(program.states)
    loops = {name_of[i]: (f"{state}[{layer.name}]", sizes[state].size) for state, i in program.updates}
    return nodes, loops, name_of[program.output]


def program_layout(architecture: Architecture) -> Layout:
    """Positions for the folded drawing of an architecture with cells: each layer's operations
    in levels above their operands, loops back to the states, layers stacked.

    Examples
    --------
    >>> from tnrank import Architecture, Cell, Layer
    >>> s6 = Cell(state={"h": 2}, weights={"A": ("h", "x"), "B": ("h", "x"), "C": ("h", "x")},
    ...           update={"h": "(A @ x) * h + B @ x"}, output="(C @ x) * h")
    >>> lay = program_layout(Architecture(M=2, layers=[Layer(cell=s6, name="s6")]))
    >>> lay.style, sorted(e.bond for e in lay.edges if e.bond.startswith("loop:"))
    ('cell', ['loop:s6.h'])
    >>> lay.nodes["x[s6]"].y < lay.nodes["op5[s6]"].y < lay.nodes["out"].y   # x, h's update, w^O
    True
    """
    if not isinstance(architecture, Architecture):
        raise TnrankError("the folded cell needs an Architecture (e.g. Architecture.rac(depth, width, M))")
    arch = architecture
    lay = Layout(style="cell")
    outputs: dict[int, str] = {}
    y_base = 0.3
    x0 = 0.6 + 0.068 * max(len(ly.name) for ly in arch.layers)
    right = x0
    loops_all: list[tuple[str, tuple[str, int], int]] = []
    for k in arch.order:
        nodes, loops, out = _layer_nodes(arch, k, outputs)
        outputs[k] = out
        level: dict[str, int] = {}
        for n in nodes:
            level[n.name] = 1 + max((level[a] for a in n.operands if a in level), default=-1)
        rows: dict[int, list[_Node]] = {}
        for n in nodes:
            rows.setdefault(level[n.name], []).append(n)
        xs: dict[str, float] = {}
        for lv in sorted(rows):
            row = rows[lv]
            for n in row:
                known = [lay.nodes[a].x if a in lay.nodes else xs[a] for a in n.operands
                         if a in xs or a in lay.nodes]
                xs[n.name] = sum(known) / len(known) if known else x0
            row.sort(key=lambda n: xs[n.name])
            for i in range(len(row)):
                left = xs[row[i - 1].name] + STEP_X if i else x0
                xs[row[i].name] = max(xs[row[i].name], left)
        # the operands read by several operations (x, a state) centred under their readers
        readers: dict[str, list[float]] = {}
        for n in nodes:
            for a in n.operands:
                readers.setdefault(a, []).append(xs[n.name])
        bottom = sorted(rows.get(0, []), key=lambda n: (sum(readers.get(n.name, [x0])) /
                                                         len(readers.get(n.name, [x0]))))
        for i, n in enumerate(bottom):
            want = sum(readers.get(n.name, [x0])) / len(readers.get(n.name, [x0]))
            xs[n.name] = max(want, xs[bottom[i - 1].name] + STEP_X if i else x0)
        for n in nodes:
            y = y_base + STEP_Y * level[n.name]
            lay.nodes[n.name] = NodeBox(n.name, n.kind, xs[n.name], y, n.label, n.role, None, k)
        for n in nodes:
            for a, d in zip(n.operands, n.dims, strict=True):
                if not a:
                    continue
                b, c = lay.nodes[a], lay.nodes[n.name]
                leg = b.kind == "input"
                pts = [(b.x, b.y), (c.x, c.y)]
                lay.edges.append(EdgePath(f"b:{a}-{n.name}:{len(lay.edges)}", (a, n.name), d, pts, leg=leg,
                                          layer=k))
        top = max(lay.nodes[n.name].y for n in nodes)
        right = max([right] + [lay.nodes[n.name].x for n in nodes])
        loops_all += [(u, s, k) for u, s in loops.items()]
        lay.row_labels.append((x0 - 0.35, y_base + STEP_Y * 0.5, arch.layers[k].name))
        y_base = top + STEP_Y + 2 * LOOP
    # the loops: up from each update, right to a lane, down to the state's height, left into it
    for j, (update, (state, size), k) in enumerate(loops_all):
        u, s = lay.nodes[update], lay.nodes[state]
        lane = right + 0.5 + LOOP * j
        above = u.y + 0.18 + 0.05 * j
        below = min(b.y for b in lay.nodes.values() if b.layer == k) - 0.3 - 0.05 * j
        pts = [(u.x, u.y), (u.x, above), (lane, above), (lane, below), (s.x, below), (s.x, s.y)]
        lay.edges.append(EdgePath(f"loop:{arch.layers[k].name}.{state.split('[')[0]}", (update, state), size,
                                  pts, layer=k))
    top = max(n.y for n in lay.nodes.values())
    x_out = right + 0.5 + LOOP * len(loops_all) + 0.3
    lay.nodes["out"] = NodeBox("out", "output", x_out, top + 0.55, "$w^O$", "output")
    for name in arch.output:
        k = arch.index(name)
        o = lay.nodes[outputs[k]]
        lay.edges.append(EdgePath(f"b:{outputs[k]}-out", (outputs[k], "out"), arch.layers[k].width,
                                  [(o.x, o.y), (o.x, top + 0.55), (x_out, top + 0.55)], layer=k))
    lay.width = x_out + 0.5
    lay.height = top + 0.85
    lay.scale(CELL_SCALE)
    return lay

