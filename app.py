"""Launch the web UI: ``python app.py [--host HOST] [--port PORT]``, the same as ``rag serve``."""

import sys

from rag.app.server import main

if __name__ == "__main__":
    sys.exit(main())
