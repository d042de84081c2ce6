"""Django's database sessions (``SESSION_ENGINE = "pactesur.sessions"``), read with one plain
statement.

Every request of a signed-in reader reads their session. Django reads it through the ORM
(``Session.objects.get(session_key=..., expire_date__gt=now)``): building and compiling that query
costs several times what running it does, on every request. This store reads the same row with
the same conditions as one SQL statement, written once from the model's own table and column
names, and otherwise is Django's ``db`` store (writes, expiry, ``clearsessions``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _session_data_from_db(self) -> str | None:
        """The session's data, or None when it does not exist or has expired."""
        model = self.model
        connection = connections[router.db_for_read(model)]
        quote = connection.ops.quote_name
        column = {f.name: quote(f.column) for f in model._meta.concrete_fields}
        # Only the model's own table and column names, quoted, are put in the text; the values
        # are parameters.
        sql = (
            f"SELECT {column['session_data']} FROM {quote(model._meta.db_table)}"  # noqa: S608
            f" WHERE {column['session_key']} = %s AND {column['expire_date']} > %s"
        )
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.session_key, now])
            row = cursor.fetchone()
        return row[0] if row else None

    def load(self) -> dict[str, Any]:
        data = self._session_data_from_db()
        if data is None:
            self._session_key = None
            return {}
        return self.decode(data)
