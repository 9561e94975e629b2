"""``tnrank experiment``: train deep and shallow recurrent networks on the paper's
long-term memory tasks (needs the ``experiments`` extra for training)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

from tnrank.cli.common import deprecated, positive_int, progress_printer, warn_deprecated
from tnrank.errors import TnrankError
from tnrank.experiments.budget import CELLS, DEFAULT_INIT, DEFAULT_TOLERANCE, INITS
from tnrank.experiments.capacity import RULES
from tnrank.experiments.presets import PRESETS, preset
from tnrank.experiments.results import (
    VALUE_NAMES,
    ExperimentSpec,
    capacity_table,
    load_experiment_results,
    plot_capacity,
    plot_results,
    results_table,
    seed_table,
    solved_values,
)
from tnrank.experiments.schedule import SCHEDULES
from tnrank.experiments.train_config import TrainConfig
from tnrank.formatting import format_table
from tnrank.presentation.plot import check_figure_path
from tnrank.safe_files import check_distinct_outputs, check_output_path

_TRAIN_KEYS = ("steps", "batch", "lr", "eval_every", "patience", "schedule", "restore_best")
#: TrainConfig's defaults, read from the dataclass (importable without PyTorch).
_TRAIN = TrainConfig()


def _defaults() -> dict[str, Any]:
    """The settings an experiment has before its preset and the options given: the defaults
    of :class:`ExperimentSpec` and of the training fields of :class:`TrainConfig`."""
    spec = {f.name: f.default for f in fields(ExperimentSpec) if f.default is not MISSING}
    return spec | {key: getattr(_TRAIN, key) for key in _TRAIN_KEYS}


_SPEC = _defaults()


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "experiment",
        help="train deep vs shallow networks on Copying Memory / Start-End Similarity",
        description="Train MAC-matched recurrent networks of several depths on the paper's long-term "
        "memory tasks and report the largest delay (copying) or length (ses) each depth solves at "
        ">= 99% data accuracy. Needs PyTorch: pip install \"tnrank[experiments]\".",
    )
    tasks = p.add_subparsers(dest="task", metavar="TASK", parser_class=type(p))
    tasks.required = True
    for task, what in (("copying", "Copying Memory over delays B"),
                       ("ses", "Start-End Similarity over lengths T")):
        q = tasks.add_parser(task, help=what, description=f"{what}. Options left out come from the "
                             "preset (default: small).")
        q.add_argument("--preset", choices=sorted(PRESETS[task]), default="small",
                       help="sweep sizes: smoke (under 1 min on 2 CPU cores), small (~20 min), fair "
                       "(copying, ~1 h), paper (a GPU; default small)")
        flags = ("--delays", "-B") if task == "copying" else ("--lengths", "-T")
        q.add_argument(*flags, dest="values", type=int, nargs="+", metavar=VALUE_NAMES[task],
                       help="delays B (blanks between data and marker)" if task == "copying"
                       else "even sequence lengths T")
        q.add_argument("-L", "--depth", dest="depths", type=positive_int, nargs="+", metavar="L",
                       help="depths to compare")
        q.add_argument("--macs", type=positive_int, nargs="+", metavar="MACS",
                       help="MACs per time step every depth is matched to; with --sweep macs, the "
                       "range LOW HIGH searched")
        q.add_argument("--sweep", choices=("values", "macs"),
                       help="values: every depth at one MAC budget over the delays/lengths (default); "
                       "macs: per depth and delay/length, the fewest MACs per step that solve")
        q.add_argument("--macs-ratio", dest="macs_ratio", type=float,
                       help="(--sweep macs) least MAC ratio between candidate widths "
                       f"(default {_SPEC['macs_ratio']:g}: every width)")
        q.add_argument("--rule", choices=RULES,
                       help="(--sweep macs) a width solves when the best seed does (best, default) "
                       "or at least half of them (majority)")
        q.add_argument("--mac-tolerance", dest="tolerance", type=float,
                       help=f"accepted relative MAC mismatch (default {DEFAULT_TOLERANCE})")
        q.add_argument("-m", type=positive_int, help="symbols to copy (copying) or block length (ses)")
        q.add_argument("-n", type=positive_int, help="alphabet size")
        q.add_argument("--steps", type=positive_int, help="training steps per run (most)")
        q.add_argument("--seeds", type=int, nargs="+", help="seeds (initial weights and training data)")
        q.add_argument("--cell", choices=CELLS, help=f"recurrent cell (default {_SPEC['cell']})")
        q.add_argument("--capacity", type=positive_int,
                       help=f"EURNN capacity: rotation layers (default {_SPEC['capacity']})")
        q.add_argument("--representation", type=positive_int,
                       help="RAC representation size M (default: the vocabulary size)")
        q.add_argument("--batch", type=positive_int, help=f"batch size (default {_TRAIN.batch})")
        q.add_argument("--lr", type=float, help=f"RMSProp learning rate (default {_TRAIN.lr:g})")
        q.add_argument("--eval-every", dest="eval_every", type=positive_int,
                       help="training steps between validation evaluations")
        q.add_argument("--patience", type=positive_int,
                       help="evaluations without a 1%% validation-loss improvement before the learning "
                       f"rate drops 10x (default {_TRAIN.patience})")
        q.add_argument("--schedule", choices=SCHEDULES,
                       help="learning-rate schedule: plateau or none (constant; default "
                       f"{_TRAIN.schedule})")
        q.add_argument("--no-restore-best", dest="restore_best", action="store_false", default=None,
                       help="score the final weights instead of the best validation checkpoint")
        q.add_argument("--init", choices=INITS,
                       help=f"EURNN input weights: reference U(±0.01) or normal N(0, 1/D) "
                       f"(default {DEFAULT_INIT})")
        q.add_argument("--one-at-a-time", dest="batched", action="store_false",
                       help="train one network at a time instead of the seeds of a cell together")
        q.add_argument("--rank", action="store_true",
                       help="(with --cell rac) measure each trained RAC's Start-End grid rank")
        q.add_argument("--rank-T", dest="rank_T", type=positive_int, default=6,
                       help="even length at which --rank measures (default 6)")
        q.add_argument("--device", default="cpu", help="torch device, e.g. cpu or cuda (default cpu)")
        q.add_argument("--threads", type=positive_int, default=1, help="CPU threads for torch (default 1)")
        q.add_argument("--json-file", metavar="FILE",
                       help="results JSON (default experiment-<task>-<preset>.json); finished runs in "
                       "it are reused")
        q.add_argument("-o", "--output", metavar="FIGURE",
                       help="plot file, .png, .svg or .pdf (default: the results file with .png)")
        q.add_argument("--out", dest="json_file", action=deprecated("--json-file"), help=argparse.SUPPRESS)
        q.add_argument("--plot", dest="output", action=deprecated("-o"), help=argparse.SUPPRESS)
        q.add_argument("--no-plot", action="store_true", help="do not draw the plot")
        q.add_argument("--fresh", action="store_true", help="overwrite the results file instead of resuming")
        q.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
        q.set_defaults(func=run)
    q = tasks.add_parser("plot", help="reprint the table of a results file and redraw its plot "
                         "(no training)",
                         description="Print the table of a results file and, with -o, draw its plot. "
                         "Nothing else is written.")
    q.add_argument("results", help="results JSON written by tnrank experiment copying|ses")
    q.add_argument("-o", "--output", metavar="FIGURE", help="plot file: .png, .svg or .pdf")
    q.add_argument("--plot", dest="output", action=deprecated("-o"), help=argparse.SUPPRESS)
    q.set_defaults(func=run_plot)


def spec_from_args(args: argparse.Namespace) -> ExperimentSpec:
    """Merge the preset with the options given on the command line."""
    base: dict[str, Any] = _defaults() | preset(args.task, args.preset)
    given = {k: getattr(args, k) for k in ("values", "depths", "macs", "tolerance", "m", "n", "steps",
                                           "seeds", "cell", "capacity", "representation", "batch", "lr",
                                           "eval_every", "patience", "schedule", "restore_best", "init",
                                           "sweep", "macs_ratio", "rule")}
    base |= {k: v for k, v in given.items() if v is not None}
    if args.rank and base["cell"] != "rac":
        raise TnrankError(f"--rank measures a trained RAC's rank; add --cell rac (not {base['cell']})")
    macs = base["macs"] if isinstance(base["macs"], list) else [base["macs"]]
    macs_range: list[int] = []
    if base["sweep"] == "macs":
        if len(macs) != 2 or macs[0] > macs[1]:
            raise TnrankError("--sweep macs searches a MAC range: give --macs LOW HIGH, e.g. --macs 200 1300")
        macs_range = list(macs)
    elif len(macs) != 1:
        raise TnrankError(f"give one MAC budget (--macs {macs[0]}), or a range with --sweep macs")
    return ExperimentSpec(
        task=args.task, values=list(base["values"]), depths=list(base["depths"]),
        seeds=list(base["seeds"]), cell=base["cell"], m=base["m"], n=base["n"], macs=macs[-1],
        tolerance=base["tolerance"], capacity=base["capacity"], representation=base["representation"],
        train={k: base[k] for k in _TRAIN_KEYS}, rank_length=args.rank_T if args.rank else 0,
        init=base["init"], sweep=base["sweep"], macs_range=macs_range, macs_ratio=base["macs_ratio"],
        rule=base["rule"],
    )


def _is_capacity(data: dict) -> bool:
    return data["settings"].get("sweep", "values") == "macs"


def _draw(data: dict, path: str) -> str:
    return str((plot_capacity if _is_capacity(data) else plot_results)(data, path))


def _print_results(data: dict, plot: str | None) -> None:
    name = VALUE_NAMES[data["task"]]
    if _is_capacity(data):
        header, rows = capacity_table(data)
        print(f"fewest MACs per step that solve (width), seeds decide by the "
              f"{data['settings']['rule']!r} rule:")
        print(format_table(header, rows))
        if plot:
            print(f"plot: {plot}")
        return
    header, rows = results_table(data)
    print(format_table(header, rows))
    parts = []
    for d in data["sweep"]["depths"]:
        solved = solved_values(data, d)
        parts.append(f"depth {d}: {max(solved) if solved else 'none'}")
    print(f"largest {name} solved at >= 99% test data accuracy: " + ", ".join(parts))
    if len(data["sweep"]["seeds"]) > 1 or any("steps_to_99" in r for r in data["runs"]):
        header, rows = seed_table(data)
        print(format_table(header, rows))
        best = []
        for d in data["sweep"]["depths"]:
            solved = solved_values(data, d, "best")
            best.append(f"depth {d}: {max(solved) if solved else 'none'}")
        print(f"largest {name} solved by the best seed: " + ", ".join(best))
    ranked = [r for r in data["runs"] if r.get("rank")]
    if ranked:
        rheader = ["depth", f"task {name}", "seed", "grid T", "matrix", "trained rank (float)",
                   "tol (class 0)", "generic grid rank (certified)"]
        rrows = [[str(r["depth"]), str(r["value"]), str(r["seed"]), str(r["rank"]["T"]),
                  f"{r['rank']['matrix']} {r['rank']['shape'][0]}x{r['rank']['shape'][1]}",
                  str(r["rank"]["trained_rank"]), f"{r['rank']['per_class'][0]['tol']:.1e}",
                  r["rank"]["generic"]["summary"] if r["rank"]["generic"] else "-"] for r in ranked]
        print(format_table(rheader, rrows))
    if plot:
        print(f"plot: {plot}")


def run(args: argparse.Namespace) -> int:
    spec = spec_from_args(args)
    from tnrank.experiments import require_torch

    require_torch()
    from tnrank.experiments.runner import check_device, prepare, run_experiment

    check_device(args.device)
    prepare(spec)  # bad sizes fail before anything is written
    _old_output(args)
    out = args.json_file or f"experiment-{args.task}-{args.preset}.json"
    check_output_path(out, "the results file (--json-file)")
    figure = None if args.no_plot else (args.output or str(Path(out).with_suffix(".png")))
    if figure is not None:
        check_figure_path(figure)
    check_distinct_outputs({"the results file (--json-file)": out, "the plot (-o)": figure})
    say = progress_printer(args.quiet)
    interrupted = False
    data: dict[str, Any] | None
    try:
        data = run_experiment(spec, out, device=args.device, threads=args.threads, fresh=args.fresh,
                              progress=say, batched=args.batched)
    except KeyboardInterrupt:
        interrupted = True
        data = load_experiment_results(out) if Path(out).exists() else None
    plot = None
    if data is not None and data.get("runs"):
        if figure is not None:
            plot = _draw(data, figure)
        _print_results(data, plot)
    print(f"results: {out}")
    if interrupted:
        print(f"tnrank experiment: interrupted; finished runs are kept in {out} and the same command resumes",
              file=sys.stderr)
        return 130
    return 0


def _old_output(args: argparse.Namespace) -> None:
    """``-o RESULTS.json``, a deprecated spelling of ``--json-file``: accepted with a note."""
    if args.output is not None and Path(args.output).suffix.lower() == ".json":
        warn_deprecated("-o RESULTS.json", "--json-file RESULTS.json (-o names the plot)")
        if args.json_file is not None:
            raise TnrankError("give the results file once, with --json-file")
        args.json_file, args.output = args.output, None


def run_plot(args: argparse.Namespace) -> int:
    """The table of a results file on stdout; the plot only where ``-o`` names it."""
    if args.output is not None:
        check_figure_path(args.output)
        check_distinct_outputs({"the results file": args.results, "the plot (-o)": args.output})
    data = load_experiment_results(args.results)
    plot = None
    if data.get("runs") and args.output is not None:
        plot = _draw(data, args.output)
    _print_results(data, plot)
    return 0
