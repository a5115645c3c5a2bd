"""`python -m conveyor`: the same CLI as the `conveyor` command."""

from .cli import main

main()
