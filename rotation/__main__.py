"""Entry point for ``python -m rotation``."""

from rotation.cli import main

raise SystemExit(main())
