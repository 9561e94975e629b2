"""Training speed: the batched trainer against the one-network-at-a-time loop, in the same run.

For each depth, ``S`` EURNN stacks (seeds ``0..S-1``) matched to the copying
budget are trained for ``--steps`` steps on Copying Memory (m = 10, n = 8,
delay ``B``), twice:

* ``loop``    — ``tnrank.experiments.train.train``, one network after the other
  (what ``tnrank experiment`` did before it trained seeds together, and what
  ``--one-at-a-time`` still does);
* ``batched`` — ``tnrank.experiments.batched.train_batched``, all ``S`` at once
  with stacked parameters.

Evaluation is kept out of the timed steps (tiny validation and test sets). It
prints seconds per training step of all ``S`` networks together, the training
steps per second of one network, and the ratio loop / batched; the median of
``--repeat`` measurements. Threads: 1 unless ``--threads``.

Run: ``python benchmarks/bench_train.py`` (``--quick``: fewer steps, B = 20).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import torch

from tnrank.experiments.batched import train_batched
from tnrank.experiments.budget import CellSpec, match_width
from tnrank.experiments.cells import build_network
from tnrank.experiments.tasks import make_task
from tnrank.experiments.train import TrainConfig, train


def measure(depth: int, seeds: int, delay: int, steps: int, macs: int) -> tuple[float, float, int]:
    """Seconds per step of all ``seeds`` networks: (loop, batched, width)."""
    task = make_task("copying", delay, 10, 8)
    spec = CellSpec("eurnn", vocab=task.vocab, classes=task.classes, capacity=2)
    width = match_width(spec, depth, macs)
    config = TrainConfig(steps=steps, eval_every=10 * steps, validation_size=8, test_size=8,
                         stop_accuracy=2.0)
    ids = list(range(seeds))
    nets = [build_network(spec, depth, width, True, seed=s) for s in ids]
    t0 = time.perf_counter()
    for net, s in zip(nets, ids, strict=True):
        train(net, task, config, seed=s)
    loop = (time.perf_counter() - t0) / steps
    nets = [build_network(spec, depth, width, True, seed=s) for s in ids]
    t0 = time.perf_counter()
    train_batched(nets, task, config, ids)
    batched = (time.perf_counter() - t0) / steps
    return loop, batched, width


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 steps at B = 20, one repeat")
    parser.add_argument("--delay", "-B", type=int, default=80, help="copying delay B (default 80)")
    parser.add_argument("--seeds", type=int, default=3, help="networks per depth (default 3)")
    parser.add_argument("--steps", type=int, default=30, help="training steps timed (default 30)")
    parser.add_argument("--repeat", type=int, default=3, help="measurements per case (median; default 3)")
    parser.add_argument("--macs", type=int, default=1250, help="MAC budget per step (default 1250)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    args = parser.parse_args()
    if args.quick:
        args.delay, args.steps, args.repeat = 20, 10, 1
    torch.set_num_threads(args.threads)
    print(f"copying m=10 n=8 B={args.delay} (T={20 + args.delay}), EURNN at {args.macs:,} MACs/step, "
          f"{args.seeds} seeds per depth, {args.steps} steps, median of {args.repeat}, "
          f"{args.threads} torch thread(s), torch {torch.__version__}")
    for depth in (1, 2, 3):
        runs = [measure(depth, args.seeds, args.delay, args.steps, args.macs) for _ in range(args.repeat)]
        loop = statistics.median(r[0] for r in runs)
        batched = statistics.median(r[1] for r in runs)
        print(f"  depth {depth} (width {runs[0][2]}): loop {loop:.3f} s/step ({args.seeds / loop:.1f} "
              f"network-steps/s), batched {batched:.3f} s/step ({args.seeds / batched:.1f} network-steps/s); "
              f"ratio loop / batched {loop / batched:.2f}x")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
