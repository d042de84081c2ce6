"""What every form of the site does with what people type (``SafeInputMixin``).

1. A control character (``pactesur.text``) in a text field (every ``CharField``, whatever its
   widget, but passwords) is an error on that field, with a message naming it; tab and line
   breaks are allowed in long text (a textarea) only.
2. A bound form shows back what was typed minus those characters: HTML forbids them (and NUL)
   in a ``value`` or a textarea, and the message tells the person they were removed.
3. A value that an ``<input type="date">`` (or ``number``) cannot hold, such as ``2026-02-30``,
   is shown back in a text input, with its error: browsers empty such an input when its value
   is not a valid date (HTML's "value sanitization algorithm"), so the person would see an empty
   field next to an error about something they can no longer read. Once valid, the field is a
   date input again.

Our forms inherit ``SafeForm`` or ``SafeModelForm``; filter sets use ``SafeForm`` as their form;
the admin site gives every admin form the mixin (``pactesur.admin``). ``tests/test_forms.py``
checks that no form of the project is left out.
"""

from __future__ import annotations

import copy
import datetime
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator as ProhibitNullCharacters
from django.utils.translation import gettext_lazy as _

from .text import code_point, find_control_character, strip_control_characters

CONTROL_CHARACTER_MESSAGE = _(
    "This field contained an invisible control character (%(code)s), which cannot be saved. "
    "It has been removed from the text below: check it and send the form again."
)

# Input types whose value the browser empties when it is not valid for the type.
_VALID_FOR_TYPE = {
    "number": re.compile(r"-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?"),
    "date": re.compile(r"\d{4}-\d{2}-\d{2}"),
}


def _kept_by_browser(input_type: str, value: str) -> bool:
    pattern = _VALID_FOR_TYPE.get(input_type)
    if pattern is None or not value:
        return True
    if not pattern.fullmatch(value):
        return False
    if input_type == "date":
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            return False
    return True


def is_long_text(widget: forms.Widget) -> bool:
    return isinstance(widget, forms.Textarea)


def is_checked(field: forms.Field) -> bool:
    """Text fields are checked; passwords are not (they are never shown nor stored as text)."""
    return (
        isinstance(field, forms.CharField)
        and not field.disabled
        and not isinstance(field.widget, forms.PasswordInput)
    )


def _clean_shown(value: Any, *, long_text: bool) -> Any:
    if isinstance(value, str):
        return strip_control_characters(value, long_text=long_text)
    if isinstance(value, list | tuple):
        return type(value)(_clean_shown(v, long_text=long_text) for v in value)
    return value


class SafeBoundField(forms.BoundField):
    """Shows a value without the control characters the rule refuses, and a value that a date or
    number input would drop in a text input (see the module's docstring)."""

    def value(self) -> Any:
        return _clean_shown(super().value(), long_text=is_long_text(self.field.widget))

    def build_widget_attrs(self, attrs: Any, widget: forms.Widget | None = None) -> Any:
        """A required ``<select>`` without an empty first option may not carry ``required``
        (HTML), so Django leaves it out: it gets ``aria-required`` instead."""
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if (
            self.field.required
            and self.form.use_required_attribute
            and isinstance(widget, forms.Select)
            and not widget.allow_multiple_selected
            and "required" not in attrs
        ):
            attrs["aria-required"] = "true"
        return attrs

    def as_widget(
        self, widget: forms.Widget | None = None, attrs: Any = None, only_initial: bool = False
    ) -> Any:
        widget = widget or self.field.widget
        input_type = getattr(widget, "input_type", "")
        if input_type in _VALID_FOR_TYPE and self.form.is_bound and self.errors:
            typed = self.value()
            if isinstance(typed, str) and not _kept_by_browser(input_type, typed):
                widget = copy.copy(widget)
                widget.input_type = "text"  # type: ignore[union-attr]
        return super().as_widget(widget, attrs, only_initial)


class ControlCharacterValidator:
    """Refuses a text (or a list of texts) holding a control character the rule refuses: all of
    them on one line, all but tab and line breaks in long text."""

    def __init__(self, *, long_text: bool) -> None:
        self.long_text = long_text

    def __call__(self, value: Any) -> None:
        for text in value if isinstance(value, list | tuple) else [value]:
            found = isinstance(text, str) and find_control_character(text, long_text=self.long_text)
            if found:
                raise ValidationError(
                    CONTROL_CHARACTER_MESSAGE,
                    code="control_character",
                    params={"code": code_point(found)},
                )


class SafeInputMixin:
    """The site's input rule for a form class (see the module's docstring). Put it first in the
    bases: ``class MyForm(SafeInputMixin, forms.Form)``, or inherit ``SafeForm``.

    The validator goes on every text field just before validation, so that it also covers fields
    added in ``__init__`` (by this form or a subclass, as allauth's sign-up form does). An invalid
    value never reaches ``clean()`` nor the model instance. It replaces Django's own NUL check,
    with one message for every control character."""

    bound_field_class: type[forms.BoundField] | None = SafeBoundField

    def full_clean(self) -> None:
        form: Any = self
        for field in form.fields.values():
            if is_checked(field) and not any(
                isinstance(v, ControlCharacterValidator) for v in field.validators
            ):
                field.validators = [
                    *(v for v in field.validators if not isinstance(v, ProhibitNullCharacters)),
                    ControlCharacterValidator(long_text=is_long_text(field.widget)),
                ]
        super().full_clean()  # type: ignore[misc]


class SafeForm(SafeInputMixin, forms.Form):
    pass


class SafeModelForm(SafeInputMixin, forms.ModelForm):
    pass


def with_safe_input(form_class: type[forms.BaseForm]) -> type[forms.BaseForm]:
    """``form_class`` itself if it already has the mixin, else a subclass that has it."""
    if issubclass(form_class, SafeInputMixin):
        return form_class
    return type(
        form_class.__name__,
        (SafeInputMixin, form_class),
        {"__module__": form_class.__module__, "__doc__": form_class.__doc__},
    )
