"""The ceiling: the least a Django view can do here (read one row, answer a few bytes).

Served by the same gunicorn process, through the same middleware, as the pages measured: its
figures are the best this stack (gunicorn + Django + PostgreSQL on this machine) can do.
"""

from django.http import HttpRequest, HttpResponse

from practices.models import Practice


def ceiling(request: HttpRequest) -> HttpResponse:
    pk = int(request.GET.get("pk", "1"))
    practice = Practice.objects.only("pk", "title").get(pk=pk)
    return HttpResponse(practice.title, content_type="text/plain; charset=utf-8")
