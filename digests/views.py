"""The subscription pages: subscribe (double opt-in), confirm, preferences and unsubscribe.

Pages reached from an email take a signed, expiring token (``links``) instead of a login. A
tampered or expired token gets a page that says so (400), never an error.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.views import AuthenticatedRequest
from cities.models import City

from . import links, notifications, selectors, services
from .forms import PreferencesForm, PreviewForm, SubscribeForm
from .models import DigestRun, Subscriber
from .periods import Period
from .permissions import staff_required


def _invalid_link(request: HttpRequest, error: links.InvalidLink) -> HttpResponse:
    return render(request, "digests/link_invalid.html", {"expired": error.expired}, status=400)


@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = SubscribeForm(request.POST)
        if form.is_valid():
            services.subscriber_request(**form.cleaned_data)
            return redirect("digests:subscribe_sent")
    else:
        form = SubscribeForm(initial={"language": request.LANGUAGE_CODE})
    places = City.objects.order_by("name").values_list("name", flat=True)
    return render(request, "digests/subscribe.html", {"form": form, "places": places})


def subscribe_sent(request: HttpRequest) -> HttpResponse:
    """The same page whatever the address: it never tells whether an address is known."""
    return render(request, "digests/subscribe_sent.html")


@login_required
@require_POST
def subscribe_member(request: AuthenticatedRequest) -> HttpResponse:
    services.subscriber_subscribe_member(user=request.user)
    messages.success(request, _("You are subscribed to the weekly digest."))
    return redirect("accounts:dashboard")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button and changes nothing (mail scanners follow links); POST confirms."""
    try:
        subscriber = links.read(token, "confirm")
    except links.InvalidLink as error:
        return _invalid_link(request, error)
    if request.method == "POST":
        subscriber = services.subscriber_confirm(subscriber=subscriber)
        messages.success(request, _("Your subscription is confirmed. Welcome!"))
        return redirect(links.path(subscriber, "preferences"))
    return render(request, "digests/confirm.html", {"subscriber": subscriber})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscriber = links.read(token, "preferences")
    except links.InvalidLink as error:
        return _invalid_link(request, error)
    if request.method == "POST":
        form = PreferencesForm(request.POST, instance=subscriber)
        if form.is_valid():
            services.subscriber_update_preferences(
                subscriber=subscriber,
                language=form.cleaned_data["language"],
                frequency=form.cleaned_data["frequency"],
                themes=form.cleaned_data["themes"],
            )
            messages.success(request, _("Your preferences were saved."))
            return redirect(request.path)
    else:
        form = PreferencesForm(instance=subscriber)
    context = {
        "subscriber": subscriber,
        "form": form,
        "chosen_themes": list(subscriber.themes.all()),
        "unsubscribe_path": links.path(subscriber, "unsubscribe"),
    }
    return render(request, "digests/preferences.html", context)


@never_cache
@require_POST
def delete(request: HttpRequest, token: str) -> HttpResponse:
    """A public subscriber deletes their subscription (a member's goes with their account)."""
    try:
        subscriber = links.read(token, "preferences")
    except links.InvalidLink as error:
        return _invalid_link(request, error)
    if subscriber.is_member:
        return redirect(request.path.removesuffix("delete/"))
    services.subscriber_delete(subscriber=subscriber)
    return render(request, "digests/deleted.html")


@never_cache
@csrf_exempt  # RFC 8058: the mail client posts without our cookie or token
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks (mail scanners follow links: nothing changes); POST unsubscribes, and again."""
    try:
        subscriber = links.read(token, "unsubscribe")
    except links.InvalidLink as error:
        return _invalid_link(request, error)
    if request.method == "POST":
        services.subscriber_unsubscribe(subscriber=subscriber)
        return render(request, "digests/unsubscribed.html", {"subscriber": subscriber})
    done = subscriber.status == Subscriber.Status.UNSUBSCRIBED
    return render(request, "digests/unsubscribe.html", {"subscriber": subscriber, "done": done})


# --- Efus staff: runs, suspended subscribers, preview and test ------------------------------------


@staff_required
def runs(request: HttpRequest) -> HttpResponse:
    """The recent runs: due, sent, skipped as empty, failed, suspended, duration, and the oldest
    ledger row still pending."""
    return render(request, "digests/runs.html", {"runs": selectors.recent_runs()})


@staff_required
def suspended(request: HttpRequest) -> HttpResponse:
    return render(
        request, "digests/suspended.html", {"suspended": selectors.suspended_subscribers()}
    )


@staff_required
@require_POST
def reinstate(request: HttpRequest, pk: int) -> HttpResponse:
    subscriber = get_object_or_404(Subscriber, pk=pk, status=Subscriber.Status.SUSPENDED)
    services.subscriber_reinstate(subscriber=subscriber)
    messages.success(request, _("%(email)s receives the digest again.") % {"email": subscriber})
    return redirect("digests:suspended")


@staff_required
def preview(request: HttpRequest) -> HttpResponse:
    """The next digest of any subscriber, as it would be sent now."""
    form = PreviewForm(request.GET or None)
    context: dict[str, Any] = {"form": form}
    if form.is_valid():
        subscriber = selectors.find_subscriber(form.cleaned_data["email"])
        if subscriber is None:
            form.add_error("email", _("No subscriber has this address."))
        else:
            context.update(subscriber=subscriber, preview=notifications.digest_preview(subscriber))
    return render(request, "digests/preview.html", context)


@staff_required
@xframe_options_sameorigin
@csp_update({"style-src": [UNSAFE_INLINE], "frame-ancestors": [SELF]})  # type: ignore[arg-type]
def preview_html(request: HttpRequest, pk: int) -> HttpResponse:
    """The HTML part of a subscriber's next digest, shown in the preview page's frame (its CSS is
    inlined, as in the email)."""
    subscriber = get_object_or_404(Subscriber.objects.select_related("user", "city"), pk=pk)
    return HttpResponse(notifications.digest_preview(subscriber).html)


@staff_required
@require_POST
def send_test(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Send the staff member the digest this subscriber would get now; nothing changes for
    the subscriber."""
    subscriber = get_object_or_404(Subscriber, pk=pk)
    services.digest_send_test(subscriber=subscriber, to=request.user)
    messages.success(
        request,
        _("A test of this digest was sent to %(email)s.") % {"email": request.user.email},
    )
    return redirect(f"{reverse('digests:preview')}?{urlencode({'email': subscriber.email})}")


# --- An email service provider's bounce and complaint webhooks ------------------------------------


@lru_cache(maxsize=2)
def _webhook_views(kind: str) -> dict[str, Any]:
    """django-anymail's webhook views of one kind ("tracking", "inbound"), by provider name."""
    from anymail import urls

    suffix = f"_{kind}_webhook"
    return {
        str(p.name).removesuffix(suffix): p.callback
        for p in urls.urlpatterns
        if str(p.name).endswith(suffix)
    }


def _webhook(request: HttpRequest, esp: str, kind: str) -> HttpResponse:
    view = _webhook_views(kind).get(esp)
    if view is None or not settings.ANYMAIL.get("WEBHOOK_SECRET"):
        raise Http404
    response: HttpResponse = view(request)
    return response


@csrf_exempt  # the provider posts without our cookie; it authenticates with the webhook secret
def esp_tracking(request: HttpRequest, esp: str) -> HttpResponse:
    """The provider's tracking webhook (django-anymail verifies and parses it, then sends the
    ``tracking`` signal that ``digests.signals`` receives). Without ``ANYMAIL_WEBHOOK_SECRET``
    there is none: 404, as for a provider anymail does not know."""
    return _webhook(request, esp, "tracking")


@csrf_exempt  # as above
def esp_inbound(request: HttpRequest, esp: str) -> HttpResponse:
    """The provider's inbound webhook: the messages sent to the unsubscribe address
    (``List-Unsubscribe``'s mailto). django-anymail verifies and parses them and sends the
    ``inbound`` signal that ``digests.signals`` receives; 404 without ``ANYMAIL_WEBHOOK_SECRET``
    or for a provider anymail does not know."""
    return _webhook(request, esp, "inbound")


# --- The public archive ---------------------------------------------------------------------------


def archive(request: HttpRequest) -> HttpResponse:
    return render(request, "digests/archive.html", {"runs": selectors.archived_runs()})


def archive_week(request: HttpRequest, period: str) -> HttpResponse:
    try:
        chosen = Period.parse(period)
    except ValueError:
        raise Http404 from None
    run = get_object_or_404(DigestRun, period=str(chosen), started_at__lte=timezone.now())
    context = {"run": run, "period": chosen, "items": selectors.archive_items(chosen)}
    return render(request, "digests/archive_week.html", context)


class ArchiveFeed(Feed):
    """RSS of the public archive: one entry a week."""

    def title(self) -> str:
        return _("PACTESUR weekly digest")

    def link(self) -> str:
        return reverse("digests:archive")

    def description(self) -> str:
        return _("What the cities of the network published each week, as the public digest.")

    def items(self) -> list[DigestRun]:
        return selectors.archived_runs()[:20]

    def item_title(self, item: DigestRun) -> str:
        period = Period.parse(item.period)
        return _("PACTESUR digest, week %(week)s of %(year)s") % {
            "week": period.week,
            "year": period.year,
        }

    def item_description(self, item: DigestRun) -> str:
        return _("The practices published in the week before %(date)s.") % {
            "date": date_format(Period.parse(item.period).monday, "DATE_FORMAT")
        }

    def item_pubdate(self, item: DigestRun) -> dt.datetime:
        return Period.parse(item.period).cutoff
