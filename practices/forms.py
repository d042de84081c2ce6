"""Forms of the writing side: the practice (with its attachments) and an adoption."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from cities.models import Theme
from moderation.models import VISIBILITY_HELP, Visibility
from pactesur.forms import SafeBoundField, SafeModelForm
from pactesur.uploads import check_upload

from .filters import language_choices
from .models import Adoption, Practice
from .services import MAX_ATTACHMENTS
from .validators import MAX_LINKS, clean_links

SUMMARY_MAX = 1500


class LinksField(forms.CharField):
    """A textarea, one web address per line, cleaned to a list of http(s) URLs."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return "\n".join(
                str(v.get("url", "")) if isinstance(v, dict) else str(v) for v in value
            )
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        return clean_links(super().to_python(value) or "")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by its content (``pactesur.uploads``)."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if not files and self.required:
            raise ValidationError(self.error_messages["required"], code="required")
        errors: list[ValidationError] = []
        for upload in files:
            try:
                check_upload(super().clean(upload, initial))
            except ValidationError as exc:
                errors.extend(exc.error_list)
        if errors:
            raise ValidationError(errors)
        return list(files)


class MarkedBoundField(SafeBoundField):
    """A field whose label (or legend) ends with "(required)" when it is required."""

    def label_tag(
        self, contents: Any = None, attrs: Any = None, label_suffix: Any = None, tag: Any = None
    ) -> SafeString:
        if self.field.required:
            contents = format_html(
                '{} <span class="required-mark">{}</span>', contents or self.label, _("(required)")
            )
        return super().label_tag(contents, attrs, label_suffix, tag)


class RequiredMarksMixin:
    """Required fields say so, in words after their label, besides the ``required`` (or
    ``aria-required``) attribute that every form of the site renders (``SafeBoundField``)."""

    bound_field_class: type[forms.BoundField] | None = MarkedBoundField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")  # "Title (required)", not "Title: (required)"
        super().__init__(*args, **kwargs)


class PracticeForm(RequiredMarksMixin, SafeModelForm):
    """Every section of the case study (DOMAIN.md §5), the labels, themes, period, contact, links,
    visibility, and new attachments. Validation only: the view calls the services."""

    links = LinksField(label=_("Links"), required=False)
    new_files = MultipleFileField(
        label=_("Add attachments"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.webp"}),
    )

    class Meta:
        model = Practice
        fields = [
            "title", "summary", "problem", "mechanism", "context", "implementation", "resources",
            "evaluation", "transferability", "outcome", "evaluation_stage", "themes",
            "period_start", "period_end", "original_language", "contact_role", "contact_email",
            "links", "visibility",
        ]  # fmt: skip
        widgets = {
            "title": forms.TextInput(attrs={"maxlength": 200}),
            "summary": forms.Textarea(attrs={"rows": 4, "maxlength": SUMMARY_MAX}),
            "outcome": forms.RadioSelect,
            "evaluation_stage": forms.RadioSelect,
            "visibility": forms.RadioSelect,
            "themes": forms.CheckboxSelectMultiple,
            "period_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "period_end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "summary": _(
                "One paragraph (at most 1,500 characters): what it is, where, and what it achieved."
            ),
            "problem": _("Markdown: *italic*, **bold**, lists, [links](https://example.org)."),
        }

    def __init__(self, *args: Any, attachments_allowed: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["links"].help_text = _(
            "One web address per line (http:// or https://), at most %(max)s."
        ) % {"max": MAX_LINKS}
        themes = self.fields["themes"]
        assert isinstance(themes, forms.ModelMultipleChoiceField)
        themes.queryset = Theme.objects.order_by("position", "name")
        self.fields["original_language"] = forms.ChoiceField(
            label=_("Original language"),
            choices=language_choices(),
            initial="en",
            help_text=_("The language the practice is written in."),
        )
        if self.instance and self.instance.original_language:
            self.initial.setdefault("original_language", self.instance.original_language)
        self.fields["outcome"].help_text = _definitions(
            Practice.OUTCOME_DEFINITIONS, Practice.Outcome
        )
        self.fields["evaluation_stage"].help_text = _definitions(
            Practice.EVALUATION_DEFINITIONS, Practice.EvaluationStage
        )
        self.fields["visibility"].help_text = _definitions(VISIBILITY_HELP, Visibility)
        for name in ("outcome", "evaluation_stage", "visibility"):
            choice_field = self.fields[name]
            assert isinstance(choice_field, forms.ChoiceField)
            choices: Any = choice_field.choices
            choice_field.choices = [c for c in choices if c[0]]
        if attachments_allowed:
            self.fields["new_files"].help_text = _(
                "PDF, PNG, JPEG or WebP, %(limit)s each at most, %(max)s per practice. The type is "
                "checked from the file's content, not its name."
            ) % {"limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES), "max": MAX_ATTACHMENTS}
        else:
            del self.fields["new_files"]

    FIELDSETS = (
        (
            _("The case study"),
            _("Long sections accept Markdown: *italic*, **bold**, lists, headings and links."),
            ("title", "summary", "problem", "mechanism", "context", "implementation",
             "resources", "evaluation", "transferability"),
        ),
        (_("Outcome and evaluation"), "", ("outcome", "evaluation_stage")),
        (
            _("Themes, period, language and contact"),
            "",
            ("themes", "period_start", "period_end", "original_language", "contact_role",
             "contact_email", "links"),
        ),
        (_("Who can read it once published"), "", ("visibility",)),
    )  # fmt: skip

    def fieldsets(self) -> list[tuple[Any, Any, list[forms.BoundField]]]:
        """(legend, help, bound fields) for the page's fieldsets (attachments come apart)."""
        return [
            (legend, help_text, [self[name] for name in names if name in self.fields])
            for legend, help_text, names in self.FIELDSETS
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The end date is before the start date."))
        return data

    def moderated_data(self) -> dict[str, Any]:
        """The cleaned values the services take (everything but the files)."""
        return {k: v for k, v in self.cleaned_data.items() if k in Practice.MODERATED_FIELDS}


def _definitions(definitions: dict[Any, Any], choices: Any) -> str:
    return " · ".join(f"{choices(k).label}: {v}" for k, v in definitions.items())


class AdoptionForm(RequiredMarksMixin, SafeModelForm):
    class Meta:
        model = Adoption
        fields = ["kind", "outcome_note", "started"]
        widgets = {
            "kind": forms.RadioSelect,
            "outcome_note": forms.Textarea(attrs={"rows": 4, "maxlength": 1000}),
            "started": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "kind": _("Adopted: you copied it as it is. Adapted: you changed it to fit your city."),
            "started": _("When your city started it (optional)."),
        }
