# Being written. Temporary: every view answers 404 until implemented.
from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


queue = log = review = publish = request_changes = unpublish = _todo
