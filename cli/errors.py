"""Errors that commands raise to end with a clear one-line reason (see `cli.main`)."""

from __future__ import annotations

EXIT_OK, EXIT_RUNTIME, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad arguments or configuration: exit status 2."""


class CommandFailed(Exception):
    """A runtime failure with a clear one-line reason: exit status 1."""


class SetupError(UsageError):
    """The kiosk cannot start with this config or database: the message says exactly why."""
