"""How the tool is called and how it ends: the command's name and its exit codes.

Messages of every stage name the tool ``MODULE_COMMAND``; every command ends with an
``Exit``, and ``EXIT_CODES`` says once what each code means for each command: the help's
epilogs are made from it, and the README's table is tested against it.
"""

from __future__ import annotations

import enum

# The console script (pyproject's [project.scripts]): what files the tool writes for other
# tools to run (the pre-commit hooks of `init`) call, and the help's name outside this
# repository.
COMMAND = "dynamodb-schema-generator"
# The tool as a module (``__main__``): the README's first line, and how every message names
# the command to run next.
MODULE_COMMAND = "python -m generator"


class Exit(enum.IntEnum):
    """What a command's exit status says; each command documents its own meaning of each."""

    OK = 0
    FINDINGS = 1
    INVALID = 2
    UNAVAILABLE = 3
    INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C

    @property
    def meaning(self) -> str:
        """What the code says for every command that ends with it."""
        return _MEANINGS[self]


_MEANINGS = {
    Exit.OK: "success",
    Exit.FINDINGS: "the command found something to act on",
    Exit.INVALID: "invalid input or command-line usage",
    Exit.UNAVAILABLE: "a file, folder or service the command needs cannot be read or written",
    Exit.INTERRUPTED: "interrupted",
}


# What each command's exit codes mean; a usage error (an unknown option) is INVALID for all.
EXIT_CODES: dict[str, dict[Exit, str]] = {
    "build": {
        Exit.OK: "written (with --check: the output folder is up to date)",
        Exit.FINDINGS: "--check found the output folder stale",
        Exit.INVALID: "invalid input or usage (or a warning, with --strict); nothing is written",
        Exit.UNAVAILABLE: "the output folder cannot be read or written",
    },
    "validate": {
        Exit.OK: "the table files are valid",
        Exit.INVALID: "invalid input or usage (or a warning, with --strict)",
    },
    "plan": {
        Exit.OK: "every change is safe and deployable in one update",
        Exit.FINDINGS: "otherwise: a replace or remove without --allow-replace (which accepts "
        "replacements and removals, not changes that need several deployments), several "
        "CloudFormation updates needed, or a change that takes several deployments",
        Exit.INVALID: "invalid input or options (also a baseline file of the wrong shape, an "
        "unknown region, --against live without --region)",
        Exit.UNAVAILABLE: "no readable baseline (no model.json, a missing file, an unreachable "
        "endpoint, a stack that does not exist)",
    },
    "import": {
        Exit.OK: "written",
        Exit.FINDINGS: "a live table differs in a way that would replace it",
        Exit.INVALID: "invalid input or options",
        Exit.UNAVAILABLE: "the live tables cannot be read, or the --output file cannot be "
        "written",
    },
    "adopt": {
        Exit.OK: "written",
        Exit.INVALID: "invalid input or options (not a template, truncated JSON, an unknown "
        "region or table, an unresolved value that leaves a file invalid, a file that exists "
        "without --force)",
        Exit.UNAVAILABLE: "the source cannot be read (a missing file, an unreachable endpoint, "
        "no credentials), or a table file cannot be written",
    },
    "export": {
        Exit.OK: "printed",
        Exit.INVALID: "invalid input or usage",
    },
    "verify": {
        Exit.OK: "no check failed (some may have been skipped, unless --strict)",
        Exit.FINDINGS: "a check failed (or, with --strict, was skipped)",
        Exit.INVALID: "invalid input or usage",
        Exit.UNAVAILABLE: "the output folder does not exist",
    },
    "replay": {
        Exit.OK: "every pattern returned what the examples say",
        Exit.FINDINGS: "some pattern did not, or an example could not be written",
        Exit.INVALID: "invalid input (the same located errors as validate, before the "
        "endpoint is touched) or an unusable --endpoint-url or region",
        Exit.UNAVAILABLE: "the endpoint cannot be used (no boto3, no credentials, "
        "unreachable, a scratch name taken, a scratch table left behind)",
        Exit.INTERRUPTED: "interrupted (Ctrl-C or SIGTERM); the scratch tables were deleted "
        "all the same",
    },
    "init": {
        Exit.OK: "written",
        Exit.INVALID: "a file it would write exists (nothing is written), or usage",
        Exit.UNAVAILABLE: "the folder cannot be written",
    },
    "schema": {
        Exit.OK: "printed",
        Exit.INVALID: "usage",
    },
}


def exit_codes_text(command: str) -> str:
    """One command's exit codes as a sentence, for its help."""
    return "Exit codes: " + ", ".join(
        f"{int(code)} {meaning}" for code, meaning in EXIT_CODES[command].items()) + "."


def exit_codes_overview() -> str:
    """Every exit code with the commands it is for (where not all), for the tool's help."""
    parts = []
    for code in Exit:
        users = [name for name, codes in EXIT_CODES.items() if code in codes]
        which = "" if len(users) == len(EXIT_CODES) else f" ({', '.join(users)})"
        parts.append(f"{int(code)} {code.meaning}{which}")
    return ("Exit codes: " + "; ".join(parts)
            + ". Each command's --help says what each means for it.")
