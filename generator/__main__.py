"""Entry point for ``python -m generator``, the command inside this repository."""

import sys

from generator.cli import main
from generator.invocation import MODULE_COMMAND

sys.exit(main(prog=MODULE_COMMAND))
