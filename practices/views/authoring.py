# Being written (authoring side). Temporary: every view answers 404 until implemented.
from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


practice_create = practice_mine = practice_edit = practice_submit = _todo
attachment_download = attachment_delete = adoption_create = _todo
