"""Every named URL of the project's own apps appears in some permission matrix."""

from django.urls import URLPattern, URLResolver, get_resolver

from tests.matrix import all_cases

OUR_NAMESPACES = {
    "cities",
    "accounts",
    "moderation",
    "practices",
    "trainings",
    "exchanges",
    "digests",
}


def _names(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace
            if ns in OUR_NAMESPACES:
                yield from _names(p.url_patterns, f"{ns}:")
            elif ns is None and not prefix:
                yield from _names(p.url_patterns, prefix)
        elif isinstance(p, URLPattern) and p.name and prefix:
            yield f"{prefix}{p.name}"


def test_every_url_is_in_the_permission_matrix():
    names = set(_names(get_resolver().url_patterns))
    covered = {case.url_name for case in all_cases()}
    assert names, "no URLs found"
    missing = sorted(names - covered)
    assert not missing, f"URLs missing from the permission matrix: {missing}"
