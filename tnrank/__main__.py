"""``python -m tnrank`` runs the ``tnrank`` command."""

import sys

from .cli import main

sys.exit(main())
