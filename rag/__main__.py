"""``python -m rag`` runs the command-line tool."""

import sys

from rag.cli import main

sys.exit(main())
