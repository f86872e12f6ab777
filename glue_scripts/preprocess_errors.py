"""Exit statuses and messages of the preprocessing job (glue_scripts/README.md, Exit status)."""
from __future__ import annotations

import sys

EXIT_OK = 0
EXIT_UNREADABLE = 1
EXIT_USAGE = 2
EXIT_NOTHING_USABLE = 3


class FatalError(Exception):
    """An error that ends the job with a one-line reason and the given exit status."""

    def __init__(self, message, exit_code=EXIT_UNREADABLE):
        super().__init__(message)
        self.exit_code = exit_code


def warn(message):
    print("preprocess: warning: %s" % message, file=sys.stderr)


def info(message):
    print("preprocess: %s" % message)
