"""`python -m gsomia` is the `gsomia` command."""

from gsomia.cli import main

main()
