"""URL converters: ids in URLs stay within the database's integer column."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter, ValidationError

MAX_ID = 2**31 - 1  # SQLite and PostgreSQL integer primary keys as the models declare them


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` for database ids: a number past the column's range is no page (404), never a
    database error (SQLite raises OverflowError, PostgreSQL refuses the parameter)."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if not 0 <= number <= MAX_ID:
            raise ValidationError()
        return number
