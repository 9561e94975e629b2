"""The old name of :mod:`tnrank.safe_files`, kept for one release.

The safe reader, the atomic writer and the locks moved to the foundation so that every
stage can use them without importing :mod:`tnrank.files`; import them from
:mod:`tnrank.safe_files`.
"""

import warnings

from tnrank.safe_files import *  # noqa: F403 - the same names under the old module name
from tnrank.safe_files import __all__  # noqa: F401

warnings.warn("tnrank.files.safe is now tnrank.safe_files; the old name will be removed in the "
              "next release", DeprecationWarning, stacklevel=2)
