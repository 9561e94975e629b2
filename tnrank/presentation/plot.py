"""Rank-versus-length figures: certified ranks per depth against the paper's bounds.

matplotlib is imported only inside the functions that draw, so ``import tnrank``
stays fast. Output files are reproducible byte for byte: fixed layout, fixed SVG
hash salt and no time stamps in the metadata.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tnrank.errors import TnrankError
from tnrank.safe_files import atomic_path, check_output_path

__all__ = ["plot_sweep", "plot_comparison", "FIGURE_SUFFIXES", "check_figure_path", "save_figure"]

#: File suffixes figures can be written to.
FIGURE_SUFFIXES = (".svg", ".png", ".pdf")
_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


def check_figure_path(path: str | os.PathLike) -> Path:
    """Check that a figure can be written to ``path`` (suffix and directory)."""
    p = Path(path)
    if p.suffix.lower() not in FIGURE_SUFFIXES:
        raise TnrankError(
            f"cannot tell the figure format of {str(p)!r}; end the file name with one of "
            f"{', '.join(FIGURE_SUFFIXES)}"
        )
    return check_output_path(p, "the figure")


def save_figure(fig: Any, path: str | os.PathLike, png_dpi: float = 150) -> Path:
    """Save a matplotlib figure in the format of ``path``'s suffix (SVG, PDF or PNG),
    reproducibly (no dates, fixed SVG ids) and atomically (a failed write leaves nothing).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : str or path-like
        Ends in one of :data:`FIGURE_SUFFIXES`.
    png_dpi : float
        Pixels per inch of a PNG.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    TnrankError
        For an unknown suffix or a path that cannot be written.
    """
    import matplotlib

    p = check_figure_path(path)
    suffix = p.suffix.lower()
    metadata = {".svg": {"Date": None, "Creator": "tnrank"},
                ".pdf": {"CreationDate": None, "ModDate": None, "Creator": "tnrank", "Producer": "tnrank"},
                ".png": {"Software": "tnrank"}}[suffix]
    with atomic_path(p) as tmp, \
            matplotlib.rc_context({"svg.hashsalt": "tnrank", "svg.fonttype": "path"}):
        fig.savefig(tmp, format=suffix[1:], metadata=metadata,
                    dpi=png_dpi if suffix == ".png" else "figure")
    return p


def _series(rows: Sequence[dict[str, Any]], quantity: str) -> dict[int, list[dict[str, Any]]]:
    by_depth: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        res = row.get(quantity)
        if res is None:
            continue
        by_depth.setdefault(int(row["L"]), []).append({"T": int(row["T"]), **res,
                                                       "theorems": row.get("theorems", [])})
    for points in by_depth.values():
        points.sort(key=lambda p: p["T"])
    return by_depth


#: Type size of every label of a sweep plot, in points (12 pt = 16 px, the docs' body text).
_TEXT_PT = 12


def plot_sweep(
    rows: Sequence[dict[str, Any]],
    path: str | os.PathLike | None = None,
    quantity: str = "separation",
    title: str | None = None,
) -> Any:
    """Plot certified ranks against ``T``, one line per depth, with the bounds dashed.

    Parameters
    ----------
    rows : sequence of dict
        Sweep rows as produced by :meth:`tnrank.studies.verification.VerifyRow.to_dict` (keys ``L``,
        ``M``, ``R``, ``T``, ``grid``, ``separation``, ``theorems``).
    path : path, optional
        Write the figure there (``.svg``, ``.png`` or ``.pdf``).
    quantity : {"separation", "grid"}
    title : str, optional
        Default: the configuration.

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    Colours are depths. Filled markers are exact ranks; half-filled markers are generic
    values with high probability (``generic-whp``) and hollow markers certified lower
    bounds, each with a thin bar up to the best upper bound. Dashed lines in a
    depth's colour are its state-degree bound, dotted lines the paper's
    Theorem 1 or conjecture; both are drawn wide and light under the ranks, so
    a bound that equals the rank shows as a halo around its line. Dash-dotted lines
    are the tensor-network min-cuts, exponential in ``T`` beyond depth 1: they leave
    the chart through its top, which is set by the ranks and degree bounds.
    """
    if quantity not in ("separation", "grid"):
        raise TnrankError(f"quantity {quantity!r} is unknown; use separation or grid")
    if path is not None:
        check_figure_path(path)
    series = _series(rows, quantity)
    if not series:
        raise TnrankError("nothing to plot: the sweep has no completed rows")
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

    # 7.6 in (729 px at 96 dpi) with 12 pt type: on a page whose text is 16 px, the figure
    # shows at its drawn size and its labels are as large as the text around it
    fig = Figure(figsize=(7.6, 6.4), layout="constrained")
    ax = fig.add_subplot()
    ax.set_yscale("log")
    all_T = sorted({p["T"] for pts in series.values() for p in pts})
    top = 1.0
    depth_handles: list[Any] = []
    papers: dict[str, list[int]] = {}  # the paper's statements drawn, with their depths
    drawn: set[str] = set()
    for i, (depth, pts) in enumerate(sorted(series.items())):
        color = _COLORS[i % len(_COLORS)]
        Ts = [p["T"] for p in pts]
        lows = [max(p["lower"], 1) for p in pts]
        depth_handles.append(Line2D([], [], color=color, marker="o", lw=1.8, label=f"depth {depth}"))
        degree = [(p["T"], p["bounds"].get("state degree")) for p in pts if p["bounds"].get("state degree")]
        if degree:
            ax.plot([t for t, _ in degree], [v for _, v in degree], "--", color=color, lw=3.2, alpha=0.45,
                    dashes=(3, 2), zorder=2, gid=f"degree-bound-depth{depth}")
            drawn.add("degree")
        cut = [(p["T"], p["bounds"].get("min-cut")) for p in pts if p["bounds"].get("min-cut")]
        if cut:  # exponential in T beyond depth 1: it leaves the chart through the top
            ax.plot([t for t, _ in cut], [float(v) for _, v in cut], "-.", color=color, lw=1.3,
                    alpha=0.9, zorder=2, gid=f"min-cut-depth{depth}")
            drawn.add("min-cut")
        theorem = [(p["T"], th) for p in pts for th in p["theorems"]]
        if theorem:
            ax.plot([t for t, _ in theorem], [th["value"] for _, th in theorem], ":", color=color,
                    lw=3.2, alpha=0.75, zorder=2, gid=f"paper-bound-depth{depth}")
            name = theorem[0][1]["name"].split(" (depth")[0]
            papers.setdefault(name, []).append(depth)
        ax.plot(Ts, lows, "-", color=color, lw=1.5, zorder=3, gid=f"rank-depth{depth}")
        for p in pts:
            exact = p["lower"] == p["upper"]
            fill = "full" if exact else ("bottom" if p.get("status") == "generic-whp" else "none")
            ax.plot([p["T"]], [max(p["lower"], 1)], "o", ms=6, zorder=4, color=color, fillstyle=fill,
                    markerfacecolor=color if fill != "none" else "white", markerfacecoloralt="white",
                    markeredgewidth=1.4,
                    gid=f"point-depth{depth}-T{p['T']}-{'exact' if exact else 'bounded'}")
            if not exact:
                hi = min(p["upper"], p["lower"] * 50)
                ax.plot([p["T"], p["T"]], [max(p["lower"], 1), hi], "-", color=color, lw=0.8,
                        alpha=0.7, zorder=2)
        top = max(top, max(lows), *(v for _, v in degree)) if degree else max(top, max(lows))
    ax.set_ylim(0.7, top * 3)
    ax.yaxis.set_major_locator(LogLocator(base=10))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}" if v >= 1 else f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    if len(all_T) <= 16:
        ax.set_xticks(all_T)
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=16))
    ax.set_xlabel("sequence length $T$")
    label = "Start-End separation rank" if quantity == "separation" else "grid rank (Start-End)"
    ax.set_ylabel(label)
    ax.grid(True, which="major", alpha=0.3)
    # a compact key: colours name the depths, line styles and markers what was drawn
    gray = "#555555"
    styles = [Line2D([], [], color=gray, lw=1.5, label="certified rank")]
    if "degree" in drawn:
        styles.append(Line2D([], [], color=gray, ls="--", lw=3.2, alpha=0.45, dashes=(3, 2),
                             label="degree bound (upper)"))
    if "min-cut" in drawn:
        styles.append(Line2D([], [], color=gray, ls="-.", lw=1.3, label="min-cut (upper)"))
    for name, depths in papers.items():  # upper or lower shows: above or below the ranks
        styles.append(Line2D([], [], color=gray, ls=":", lw=3.2, alpha=0.75,
                             label=f"{name} ($L$ = {', '.join(map(str, depths))})"))
    dot: dict[str, Any] = {"color": gray, "lw": 0, "marker": "o", "markeredgewidth": 1.4, "ms": 6}
    marks = [
        Line2D([], [], **dot, markerfacecolor=gray, label="exact rank (proved)"),
        Line2D([], [], **dot, fillstyle="bottom", markerfacecolor=gray, markerfacecoloralt="white",
               label="generic w.h.p."),
        Line2D([], [], **dot, markerfacecolor="white", label="lower bound (bar: to upper)"),
    ]
    columns = [depth_handles, styles, marks]
    rows_n = max(map(len, columns))
    blank = Line2D([], [], lw=0, label=" ")
    handles = [h for col in columns for h in col + [blank] * (rows_n - len(col))]  # column by column
    fig.legend(handles=handles, loc="outside lower center", ncol=len(columns), fontsize=_TEXT_PT,
               frameon=False, handlelength=2.2, columnspacing=1.0, handletextpad=0.5, labelspacing=0.3)
    ax.tick_params(labelsize=_TEXT_PT)
    ax.xaxis.label.set_fontsize(_TEXT_PT)
    ax.yaxis.label.set_fontsize(_TEXT_PT)
    if title is None:
        first = rows[0]
        depth_list = ", ".join(str(d) for d in sorted(series))
        uppers = " and ".join(w for w, k in (("degree", "degree"), ("min-cut", "min-cut")) if k in drawn)
        title = (f"{label} of depth-$L$ RACs ($L$ = {depth_list}), $R$ = {first['R']}, $M$ = {first['M']}\n"
                 "certified: exact ranks mod $p$ (lower)"
                 + (f", {uppers} bounds (upper)" if uppers else ""))
    ax.set_title(title, fontsize=_TEXT_PT)
    if path is not None:
        save_figure(fig, path)
    return fig


def plot_comparison(
    rows: Sequence[Any],
    path: str | os.PathLike | None = None,
    quantity: str = "separation",
    title: str | None = None,
) -> Any:
    """Plot certified ranks against ``T``, one line per architecture (``tnrank analyze`` with
    several files and ``-o``).

    Parameters
    ----------
    rows : sequence of CompareRow
        Reports of architectures at several ``T`` (:func:`tnrank.studies.comparison.compare`);
        an architecture's line is labelled with its name (or file).
    path : path, optional
        Write the figure there (``.svg``, ``.png`` or ``.pdf``).
    quantity : {"separation", "grid"}
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    Colours are architectures. Filled markers are exact ranks, half-filled ones generic
    values with high probability, hollow ones certified lower bounds with a thin bar up to
    the best upper bound. Lines are drawn widest first, so lines that coincide show as a
    line inside a wider one.
    """
    if quantity not in ("separation", "grid"):
        raise TnrankError(f"quantity {quantity!r} is unknown; use separation or grid")
    if path is not None:
        check_figure_path(path)
    series: dict[str, list[Any]] = {}
    for row in rows:
        series.setdefault(row.label, []).append(row)
    if not series:
        raise TnrankError("nothing to plot: no report is done")
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    fig = Figure(figsize=(7.6, 6.4 + 0.25 * max(0, len(series) - 4)), layout="constrained")
    ax = fig.add_subplot()
    ax.set_yscale("log")
    cmap = matplotlib.colormaps["tab10" if len(series) <= 10 else "tab20"]
    palette = [cmap(k) for k in range(cmap.N)]
    all_T: set[int] = set()
    top = 1.0
    handles = []
    widest = 1.2 + 0.9 * len(series)
    for i, (label, pts) in enumerate(series.items()):
        pts = sorted(pts, key=lambda r: r.T)
        color = palette[i % len(palette)]
        results = [getattr(r.report, quantity) for r in pts]
        Ts = [r.T for r in pts]
        all_T.update(Ts)
        lows = [max(res.lower, 1) for res in results]
        top = max(top, *lows)
        ax.plot(Ts, lows, "-", color=color, lw=widest - 0.9 * i, alpha=0.8, zorder=3 + i,
                solid_capstyle="round")
        for T, res in zip(Ts, results, strict=True):
            fill = "full" if res.exact else ("bottom" if res.status == "generic-whp" else "none")
            ax.plot([T], [max(res.lower, 1)], "o", ms=6, zorder=20 + i, color=color,
                    fillstyle=fill, markerfacecolor=color if fill != "none" else "white",
                    markerfacecoloralt="white", markeredgewidth=1.2)
            if not res.exact and res.status != "generic-whp":
                ax.plot([T, T], [max(res.lower, 1), min(res.upper, res.lower * 50)], "-",
                        color=color, lw=0.8, alpha=0.7, zorder=2)
        handles.append(Line2D([], [], color=color, lw=2.5, label=pts[0].architecture.name or label))
    ax.set_ylim(0.7, top * 3)
    ax.yaxis.set_major_locator(LogLocator(base=10))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}" if v >= 1 else f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xticks(sorted(all_T))
    ax.set_xlabel("sequence length $T$")
    label = "Start-End separation rank" if quantity == "separation" else "grid rank (Start-End)"
    ax.set_ylabel(label)
    ax.grid(True, which="major", alpha=0.3)
    gray = "#555555"
    dot: dict[str, Any] = {"color": gray, "lw": 0, "marker": "o", "markeredgewidth": 1.2, "ms": 6}
    handles += [
        Line2D([], [], **dot, markerfacecolor=gray, label="exact rank (proved)"),
        Line2D([], [], **dot, fillstyle="bottom", markerfacecolor=gray, markerfacecoloralt="white",
               label="generic w.h.p."),
        Line2D([], [], **dot, markerfacecolor="white", label="lower bound (bar: to upper)"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=2, fontsize=_TEXT_PT - 1,
               frameon=False, handlelength=2.2, columnspacing=1.0, labelspacing=0.3)
    ax.tick_params(labelsize=_TEXT_PT)
    ax.xaxis.label.set_fontsize(_TEXT_PT)
    ax.yaxis.label.set_fontsize(_TEXT_PT)
    ax.set_title(title or f"{label}, certified", fontsize=_TEXT_PT)
    if path is not None:
        save_figure(fig, path)
    return fig
