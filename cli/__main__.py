"""`python -m cli` runs the same entry point as the `kiosk` console script."""

from cli.main import main

raise SystemExit(main())
