"""The subscription pages: subscribe (double opt-in), confirm, preferences and unsubscribe.

Pages reached from an email take a signed, expiring token (``links``) instead of a login. A
tampered or expired token gets a page that says so (400), never an error.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.views import AuthenticatedRequest
from cities.models import City

from . import links, services
from .forms import PreferencesForm, SubscribeForm
from .models import Subscriber


def _invalid_link(request: HttpRequest, error: links.InvalidLink) -> HttpResponse:
    return render(request, "digests/link_invalid.html", {"expired": error.expired}, status=400)


@require_http_methods(["GET", "POST"])
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
@require_http_methods(["GET", "POST"])
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
@require_http_methods(["GET", "POST"])
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
@require_http_methods(["GET", "POST"])
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
