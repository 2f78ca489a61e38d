"""Entry point for ``python -m generator``, the command inside this repository."""

import sys

from generator.cli import MODULE_COMMAND, main

sys.exit(main(prog=MODULE_COMMAND))
