"""The base of a list's filters: django-filter's ``FilterSet`` with what a cached list needs."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet


class ListFilterSet(django_filters.FilterSet):
    """A list's search, facets and sort, read from the query string (every combination is a
    shareable URL; an invalid value is ignored and reported by the form, never a 500).

    ``matches`` is what the filters select, unordered: the list counts it. ``qs`` is ``matches``
    in the order of ``order()`` (which a subclass may also bound, e.g. a ranking): the list pages
    through it. ``filters_key`` says which filters are in effect, for the cached count.
    """

    @property
    def matches(self) -> QuerySet:
        if not hasattr(self, "_matches"):
            queryset = self.queryset.all()
            if self.is_bound:
                self.errors  # noqa: B018  (validates the form: cleaned_data)
                queryset = self.filter_queryset(queryset)
            self._matches = queryset
        return self._matches

    @property
    def qs(self) -> QuerySet:
        if not hasattr(self, "_qs"):
            self._qs = self.order(self.matches)
        return self._qs

    def order(self, queryset: QuerySet, *, bounded: bool = True) -> QuerySet:
        """The rows in the order the list shows them (``qs``); ``bounded=False`` for exports,
        when the order of a page would bound the rows (a ranking among the newest)."""
        return queryset

    @property
    def cleaned_data(self) -> dict[str, Any]:
        """The valid values of the filters (the form is validated on first use)."""
        if self.is_bound:
            self.errors  # noqa: B018
        return getattr(self.form, "cleaned_data", {})

    @property
    def filters_key(self) -> str:
        """The filters in effect, as a string: what ``matches`` depends on besides the reader.
        Invalid values are left out, as the filters ignore them; so are the fields named in
        ``unfiltered`` (e.g. the sort)."""
        unfiltered = self.unfiltered
        return repr(
            sorted(
                (name, value)
                for name, value in self.cleaned_data.items()
                if name not in unfiltered and value not in (None, "", [], False)
            )
        )

    @property
    def form_key(self) -> str:
        """Everything the filter form shows depends on, besides the language and the choices:
        the values given for its fields, as typed (an invalid one is shown with its error)."""
        data = self.data if self.is_bound else {}
        getlist = getattr(data, "getlist", lambda name: [data.get(name)])
        return repr([(name, getlist(name)) for name in self.form.fields])

    @property
    def has_filters(self) -> bool:
        """Whether any filter is given (the sort and unknown parameters are not filters)."""
        data = self.data if self.is_bound else {}
        return any(data.get(name) for name in self.form.fields if name not in self.unfiltered)

    def get_form_class(self) -> type[forms.Form]:
        """One form class per filter set class (django-filter builds a new one per request)."""
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            cls._form_class = super().get_form_class()
        return cls._form_class
