"""Errors that commands raise to end with a clear one-line reason (see `kiosk.cli`)."""

from __future__ import annotations


class UsageError(Exception):
    """Bad arguments or configuration: exit status 2."""


class CommandFailed(Exception):
    """A runtime failure with a clear one-line reason: exit status 1."""
