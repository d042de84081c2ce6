"""Reads that run on most requests, compiled once and run again with other values.

Django builds and compiles a query on every call. For a query that selects related rows
(``select_related``) the compiling costs several times what running it does: ~3 ms of CPU for
the signed-in user with their membership, body and city, or for a practice with its city, body
and author, against well under a millisecond in the database. ``PreparedQuery`` compiles such a
query once per thread (Django's connections are per thread) and per *key* (what else the SQL
depends on: a reader's reach...), with a stand-in for the one value that changes (an id), and
then only runs the SQL and builds the objects, as Django's own ``ModelIterable`` does.

    practice_for = PreparedQuery(lambda reach, pk: Practice.objects.filter(...).filter(pk=pk))
    practice = practice_for.get(reach, 42, reach)   # key, value, the arguments of the builder
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]

SENTINEL = -1_999_999_999  # stands for the value while the query is compiled


class Prepared:
    """One compiled query: its SQL, its parameters and how its rows become objects."""

    def __init__(self, queryset: QuerySet) -> None:
        self.model = queryset.model
        self.db = queryset.db
        self.connection = connections[self.db]
        self.compiler = queryset.query.get_compiler(using=self.db)
        self.sql, params = self.compiler.as_sql()
        self.params = list(params)
        if self.params.count(SENTINEL) != 1:
            raise ValueError("A prepared query takes its value exactly once.")
        select, klass_info = self.compiler.select, self.compiler.klass_info
        self.start, self.end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.init_list = [column[0].target.attname for column in select[self.start : self.end]]
        self.populators = get_related_populators(klass_info, select, self.db)
        columns = [column[0] for column in select[0 : self.compiler.col_count]]
        self.converters = self.compiler.get_converters(columns)

    def first(self, value: Any) -> Model | None:
        params = [value if param == SENTINEL else param for param in self.params]
        with self.connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchmany(1)
        if not rows:
            return None
        row = list(rows[0])
        if self.converters:
            row = next(self.compiler.apply_converters([row], self.converters))
        obj = self.model.from_db(self.db, self.init_list, row[self.start : self.end])
        for populator in self.populators:
            populator.populate(row, obj)
        for name, position in self.compiler.annotation_col_map.items():
            setattr(obj, name, row[position])
        return obj


class PreparedQuery(threading.local):
    """``build(*args, value)`` (a queryset of at most one row, filtered on ``value``) compiled once
    per thread and key; ``get(key, value, *args)`` runs it for ``value``. At most ``size`` keys are
    kept per thread, least recently used first out."""

    def __init__(self, build: Callable[..., QuerySet], size: int = 512) -> None:
        self.build = build
        self.size = size
        self.compiled: OrderedDict[Hashable, Prepared] = OrderedDict()

    def get(self, key: Hashable, value: Any, *args: Any) -> Model | None:
        """The row for ``value`` (None if there is none, or ``value`` is not a valid id)."""
        prepared = self.compiled.get(key)
        if prepared is None or prepared.connection is not connections[prepared.db]:
            prepared = Prepared(self.build(*args, SENTINEL).order_by())
            self.compiled[key] = prepared
            if len(self.compiled) > self.size:
                self.compiled.popitem(last=False)
        else:
            self.compiled.move_to_end(key)
        try:
            value = prepared.model._meta.pk.to_python(value)  # type: ignore[union-attr]
        except (TypeError, ValueError, ValidationError):
            return None
        return prepared.first(value)
