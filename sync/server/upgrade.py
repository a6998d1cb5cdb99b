"""Bringing an existing database up to the current tables: columns added since it was made.

`SQLModel.metadata.create_all` creates missing tables but never adds a column (or an index)
to a table that exists. Every column added to a table after its first release has a server
default (or is nullable), so it can be added in place; a few also need their existing rows
filled in."""

from __future__ import annotations

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.schema import CreateTable
from sqlmodel import SQLModel


class UpgradeError(RuntimeError):
    """A column cannot be added in place (NOT NULL without a server default)."""


def add_missing_columns(engine: Engine) -> set[tuple[str, str]]:
    """Add every column and index the tables define and the database lacks; returns the
    (table, column) pairs added."""
    inspector = inspect(engine)
    existing = set(inspector.get_table_names())
    preparer = engine.dialect.identifier_preparer
    added: set[tuple[str, str]] = set()
    with engine.begin() as con:
        for table in SQLModel.metadata.sorted_tables:
            if table.name not in existing:
                continue
            have = {c["name"] for c in inspector.get_columns(table.name)}
            ddl = engine.dialect.ddl_compiler(engine.dialect, CreateTable(table))
            for column in table.columns:
                if column.name in have:
                    continue
                if not column.nullable and column.server_default is None:
                    raise UpgradeError(f"{table.name}.{column.name} needs a server default")
                spec = ddl.get_column_specification(column)
                con.execute(text(f"ALTER TABLE {preparer.format_table(table)} ADD COLUMN {spec}"))
                added.add((table.name, column.name))
            for index in table.indexes:
                index.create(con, checkfirst=True)
        _fill_in(con, added)
    return added


def _fill_in(con: Connection, added: set[tuple[str, str]]) -> None:
    if ("checkin", "evidenced") in added:
        # Before attestations existed only a verified pass was evidence: manual and paper
        # records made then were never vouched for, so they stop counting toward premium.
        con.execute(
            text(
                "UPDATE checkin SET evidenced = true"
                " WHERE pass_jti IS NOT NULL AND status != 'rejected'"
            )
        )
