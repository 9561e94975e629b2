"""Test-suite configuration.

* Skip collecting the PyTorch modules of tnrank.experiments when torch is absent (the
  ``experiments`` extra is optional; everything else must not need it).
* Property tests run a fixed, reproducible set of examples (``derandomize``), so the suite
  gives the same verdict on every run; set ``HYPOTHESIS_PROFILE=explore`` to draw fresh
  random examples instead.
"""

import importlib.util
import os

from hypothesis import HealthCheck, settings

_TORCH_MODULES = ["cells.py", "counting.py", "train.py", "runner.py", "rank_check.py"]

# the old module name of tnrank.safe_files warns when imported; its doctests are the new module's
collect_ignore = ["tnrank/files/safe.py"]
if importlib.util.find_spec("torch") is None:
    collect_ignore += [f"tnrank/experiments/{name}" for name in _TORCH_MODULES]

settings.register_profile("ci", derandomize=True, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("explore", suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
