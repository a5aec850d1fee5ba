"""`python -m brochure` runs the command line."""

from .cli import main

main()
