"""English and French ship complete.

The French catalogue (locale/fr/LC_MESSAGES/django.po, compiled into the committed django.mo) must
translate every message of the code: the first tests regenerate the catalogue from a copy of the
project, as ``make messages`` does, so a new string that nobody translated fails here. The last
ones render key pages in French.
"""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

BASE_DIR = Path(__file__).resolve().parent.parent
PO_PATH = BASE_DIR / "locale" / "fr" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")

# What `make messages` leaves out (Makefile), plus caches and build output nobody extracts from.
NOT_COPIED = {
    ".git",
    ".venv",
    "var",
    "bench",
    "node_modules",
    "test-results",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "__pycache__",
    "pactesur.egg-info",
    ".env",
}


# --- A small .po reader (stdlib only) ----------------------------------------------------------


def _unquote(text: str) -> str:
    body = text.strip()[1:-1]
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(0)), body)


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (a list), flags, obsolete."""
    entries: list[dict] = []
    entry: dict = {}
    field = ""

    def close() -> None:
        if "msgid" in entry:
            entries.append(entry.copy())
        entry.clear()

    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            close()
            continue
        if line.startswith("#~"):
            entry["obsolete"] = True
            continue
        if line.startswith("#,"):
            entry.setdefault("flags", set()).update(f.strip() for f in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        match = re.match(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")$", line)
        if match:
            field, value = match.group(1), _unquote(match.group(2))
            if field.startswith("msgstr"):
                entry.setdefault("msgstr", []).append(value)
            else:
                entry[field] = value
        elif line.startswith('"'):
            if field.startswith("msgstr"):
                entry["msgstr"][-1] += _unquote(line)
            else:
                entry[field] += _unquote(line)
        else:
            raise ValueError(f"{path}: unexpected line {line!r}")
    return entries


def problems(entries: list[dict]) -> list[str]:
    """Untranslated, partly translated (plural) and fuzzy messages, header excepted."""
    found = []
    for entry in entries:
        if entry.get("obsolete") or entry["msgid"] == "":
            continue
        label = repr(entry["msgid"][:80])
        if "fuzzy" in entry.get("flags", ()):
            found.append(f"fuzzy: {label}")
        elif not entry.get("msgstr") or not all(entry["msgstr"]):
            found.append(f"untranslated: {label}")
    return found


def _need_gettext_tools(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        message = f"GNU gettext tools missing: {', '.join(missing)} (apt install gettext)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)


# --- The catalogue -----------------------------------------------------------------------------


def test_problems_finds_untranslated_and_fuzzy_entries(tmp_path):
    """The checker itself: it must see what it is meant to catch."""
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: fr\\n"\n\n'
        'msgid "Done"\nmsgstr "Fait"\n\n'
        'msgid "Missing"\nmsgstr ""\n\n'
        '#, fuzzy, python-format\nmsgid "Guess %(x)s"\nmsgstr "Devine %(x)s"\n\n'
        'msgid "one"\nmsgid_plural "many"\nmsgstr[0] "un"\nmsgstr[1] ""\n\n'
        'msgid ""\n"Two "\n"lines"\nmsgstr ""\n"Deux "\n"lignes"\n\n'
        '#~ msgid "Old"\n#~ msgstr ""\n',
        encoding="utf-8",
    )
    entries = parse_po(po)
    assert [e["msgid"] for e in entries] == [
        "",
        "Done",
        "Missing",
        "Guess %(x)s",
        "one",
        "Two lines",
    ]
    assert entries[-1]["msgstr"] == ["Deux lignes"]
    assert problems(entries) == [
        "untranslated: 'Missing'",
        "fuzzy: 'Guess %(x)s'",
        "untranslated: 'one'",
    ]


def test_committed_catalogue_is_complete():
    entries = parse_po(PO_PATH)
    assert len(entries) > 500
    assert problems(entries) == []
    header = entries[0]["msgstr"][0]
    assert "Language: fr\n" in header
    assert "Plural-Forms: nplurals=2; plural=(n > 1);" in header


def test_catalogue_passes_msgfmt_checks(tmp_path):
    """Placeholders kept (python-format), plural forms well formed, header valid."""
    _need_gettext_tools("msgfmt")
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "check.mo"), str(PO_PATH)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_committed_mo_matches_the_po(tmp_path):
    """django.mo is committed: it must be compiled from the current django.po."""
    _need_gettext_tools("msgfmt")
    fresh = tmp_path / "fresh.mo"
    subprocess.run(["msgfmt", "-o", str(fresh), str(PO_PATH)], check=True)
    with MO_PATH.open("rb") as committed, fresh.open("rb") as compiled:
        committed_catalog = gettext.GNUTranslations(committed)._catalog  # type: ignore[attr-defined]
        compiled_catalog = gettext.GNUTranslations(compiled)._catalog  # type: ignore[attr-defined]
    stale = {
        k
        for k in compiled_catalog.keys() | committed_catalog.keys()
        if committed_catalog.get(k) != compiled_catalog.get(k)
    }
    assert not stale, f"run `make messages` (compilemessages): {sorted(map(str, stale))[:10]}"


def test_every_message_of_the_code_is_translated(tmp_path):
    """Extract the messages again, as `make messages` does, into a copy of the project: a string
    added to the code and missing from the catalogue comes out untranslated (or fuzzy, when gettext
    guesses from a similar one) and fails here. A probe string added to the copy shows that the
    extraction does see new strings: it must be the one and only problem."""
    _need_gettext_tools("xgettext", "msgmerge", "msguniq")
    copy = tmp_path / "project"
    shutil.copytree(BASE_DIR, copy, ignore=shutil.ignore_patterns(*NOT_COPIED, "*.pyc"))
    probe = "An i18n probe message that nobody translated"
    (copy / "cities" / "i18n_probe.py").write_text(
        f"from django.utils.translation import gettext_lazy as _\n\nPROBE = _({probe!r})\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env.update({"DJANGO_SETTINGS_MODULE": "pactesur.settings", "VAR_DIR": str(tmp_path / "var")})
    command = ["makemessages", "-l", "fr", "--no-obsolete", "-v", "0"]
    command += ["--ignore=.venv", "--ignore=var", "--ignore=bench"]  # as in the Makefile
    result = subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    # xgettext warns when one msgid is used with and without a plural: one of the two is then
    # never translated at run time. Give one of them a context.
    assert "is used without plural and with plural" not in result.stderr, result.stderr
    regenerated = parse_po(copy / "locale" / "fr" / "LC_MESSAGES" / "django.po")
    found = problems(regenerated)
    assert f"untranslated: {probe!r}" in found, "the extraction did not see the probe"
    found.remove(f"untranslated: {probe!r}")
    assert found == [], "translate these in locale/fr/LC_MESSAGES/django.po (make messages)"


# --- Pages in French ---------------------------------------------------------------------------

PAGES = {
    "cities:home": (
        ["Des espaces publics plus sûrs, ensemble", "Ce que peuvent faire les membres", "Villes"],
        ["Safer public spaces, together", "What members can do"],
    ),
    "cities:list": (
        ["villes de PACTESUR 2", "Type d’organisme", "Zone de police locale"],
        ["Participating body", "Local police zone", "Type of body"],
    ),
    "practices:list": (
        ["Pratiques prometteuses", "Afficher les pratiques", "Trier par", "Non évaluée"],
        ["Promising practices", "Show practices", "Sort by", "Not evaluated"],
    ),
    "account_login": (
        ["Se connecter", "Mot de passe", "Rejoignez le réseau"],
        ["Sign in", "Password", "Join the network"],
    ),
    "account_signup": (
        ["Rejoindre le réseau PACTESUR", "Créer mon compte", "Votre ville et votre organisation"],
        ["Join the PACTESUR network", "Create my account", "Your city and organisation"],
    ),
}
# On every page: the layout (navigation, footer).
LAYOUT = (
    ["Aller au contenu principal", "Se connecter", "Forum européen pour la sécurité urbaine"],
    ["Skip to main content", "Sign in", "European Forum for Urban Security"],
)


def visible_text(html: str) -> str:
    """The text of a page as a reader gets it: tags dropped, entities and spaces normalised."""
    import html as html_lib

    text = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", html_lib.unescape(text).replace("\u00a0", " "))


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(PAGES))
@pytest.mark.parametrize("how", ["accept-language", "cookie"])
def test_key_pages_render_in_french(client, name, how):
    expected, english = PAGES[name]
    if how == "cookie":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
        response = client.get(reverse(name))
    else:
        response = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9,en;q=0.5")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    text = visible_text(html)
    for phrase in expected + LAYOUT[0]:
        assert phrase in text, phrase
    for phrase in english + LAYOUT[1]:
        assert phrase not in text, phrase


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(PAGES))
def test_key_pages_stay_in_english_by_default(client, name):
    """The same phrases in English: the French checks above look for strings that exist."""
    expected, english = PAGES[name]
    response = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="en")
    text = visible_text(response.content.decode())
    assert '<html lang="en">' in response.content.decode()
    for phrase in english + LAYOUT[1]:
        assert phrase in text, phrase
    for phrase in expected:
        assert phrase not in text, phrase
