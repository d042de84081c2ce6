"""A bulletin: a title, a text, themes (a many-to-many field), a city and a visibility tier."""

from __future__ import annotations

from django.db import models

from cities.models import City, Theme
from moderation import registry
from moderation.models import Moderated, ModeratedQuerySet


@registry.register
class Bulletin(Moderated):
    MODERATED_FIELDS = ("title", "text", "themes", "visibility")

    title = models.CharField("title", max_length=100)
    text = models.TextField("text", blank=True)
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="+")
    themes = models.ManyToManyField(Theme, blank=True, related_name="+")

    objects = ModeratedQuerySet.as_manager()

    class Meta(Moderated.Meta):  # keeps its status and visibility constraints
        app_label = "bulletins"
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title
