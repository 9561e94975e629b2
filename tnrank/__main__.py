"""``python -m tnrank`` runs the ``tnrank`` command."""

import sys

from tnrank.cli import main

sys.exit(main())
