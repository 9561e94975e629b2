"""Skip collecting the PyTorch modules of tnrank.experiments when torch is absent
(the ``experiments`` extra is optional; everything else must not need it)."""

import importlib.util

_TORCH_MODULES = ["cells.py", "counting.py", "train.py", "runner.py", "rank_check.py"]

collect_ignore = []
if importlib.util.find_spec("torch") is None:
    collect_ignore = [f"tnrank/experiments/{name}" for name in _TORCH_MODULES]
