# Being written (reading side). Temporary: every view answers 404 until implemented.
from django.contrib.syndication.views import Feed
from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


practice_list = practice_detail = practice_export_csv = practice_export_json = _todo


class LatestPracticesRss(Feed):
    def get_object(self, request, *args, **kwargs):
        raise Http404


LatestPracticesAtom = ThemePracticesRss = ThemePracticesAtom = LatestPracticesRss
