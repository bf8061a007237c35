"""Every string the portal writes for people is translatable, and every language it ships translates all of them.

The templates are read by tests/untranslated.py; the catalogues (locale/) by polib, as gettext reads them:
complete, with the plural forms the language has, no placeholder a translation made up (which would break the
page), compiled from the current .po files, and holding every string the code and templates mark today
(Django's makemessages, run on a copy of the project).
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

from tests.untranslated import untranslated

ROOT = Path(__file__).resolve().parent.parent
# nginx serves 503.html as it is while the portal is down, and timeout.html when it is too slow, so they cannot
# be translated per request: each says the same in every language (test below).
SERVED_AS_THEY_ARE = [ROOT / "templates" / "503.html", ROOT / "templates" / "timeout.html"]
TEMPLATES = sorted(
    path
    for path in (ROOT / "templates").rglob("*")
    if path.suffix in (".html", ".txt") and path not in SERVED_AS_THEY_ARE
)
SHIPPED = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
DOMAINS = ["django", "djangojs"]
CATALOGUES = [(code, domain) for code in SHIPPED for domain in DOMAINS]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def catalogue(code, domain, suffix="po"):
    return ROOT / "locale" / code / "LC_MESSAGES" / f"{domain}.{suffix}"


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(ROOT / "templates")))
def test_every_word_of_a_template_is_marked_for_translation(template):
    assert untranslated(template) == []


@pytest.mark.parametrize("page", SERVED_AS_THEY_ARE, ids=lambda path: path.name)
def test_the_pages_nginx_shows_for_the_portal_speak_every_shipped_language(page):
    html = page.read_text()

    assert "{%" not in html and "{{" not in html and "{#" not in html, "nginx shows it as it is"
    for code in SHIPPED:
        assert f'<section lang="{code}">' in html


def test_the_template_reader_finds_words_left_unmarked(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        '{% load i18n %}<h1>{% translate "Schedule" %}</h1><p title="Starred talks">{{ talk.title }}</p>'
        "{% blocktranslate %}Talks of {{ event }}{% endblocktranslate %}<button>Search</button>"
        '<img alt="{% translate "Photo" %}"><code>?track=</code>{# a note #}'
    )
    assert untranslated(page) == ["p title='Starred talks'", "Search"]


def test_every_shipped_language_has_its_catalogues():
    assert SHIPPED, "the portal ships languages besides English"
    for code, domain in CATALOGUES:
        assert catalogue(code, domain).is_file(), f"{code}: no {domain}.po"


@pytest.mark.parametrize(("code", "domain"), CATALOGUES)
def test_every_message_is_translated(code, domain):
    po = polib.pofile(catalogue(code, domain))
    missing = [entry.msgid for entry in po if not entry.obsolete and not entry.translated()]
    assert missing == [], f"{code} misses {len(missing)} translations in {domain}.po"


@pytest.mark.parametrize(("code", "domain"), CATALOGUES)
def test_plurals_have_every_form_the_language_has(code, domain):
    po = polib.pofile(catalogue(code, domain))
    forms = int(re.search(r"nplurals\s*=\s*(\d+)", po.metadata["Plural-Forms"]).group(1))
    assert forms >= 2
    for entry in po:
        if entry.msgid_plural:
            assert sorted(entry.msgstr_plural) == list(range(forms)), entry.msgid
            assert all(entry.msgstr_plural.values()), entry.msgid


@pytest.mark.parametrize(("code", "domain"), CATALOGUES)
def test_translations_use_only_the_placeholders_of_their_message(code, domain):
    """A placeholder the English message does not have is a KeyError when the page renders; one left out
    loses information (the plural's singular may leave out the count)."""
    for entry in polib.pofile(catalogue(code, domain)):
        names = set(PLACEHOLDER.findall(entry.msgid + entry.msgid_plural))
        if not entry.msgid_plural:
            assert set(PLACEHOLDER.findall(entry.msgstr)) == names, entry.msgid
            continue
        for form, text in entry.msgstr_plural.items():
            found = set(PLACEHOLDER.findall(text))
            assert found <= names, entry.msgid
            expected = set(PLACEHOLDER.findall(entry.msgid_plural if form else entry.msgid))
            assert expected - {"count", "counter"} <= found, entry.msgid


@pytest.mark.parametrize(("code", "domain"), CATALOGUES)
def test_compiled_catalogues_match_their_sources(code, domain):
    """Django reads the .mo files: they must say what the .po files say (make messages compiles them)."""
    po = polib.pofile(catalogue(code, domain))
    mo = polib.mofile(catalogue(code, domain, "mo"))

    def messages(entries):
        return {
            (entry.msgctxt, entry.msgid): entry.msgstr or tuple(sorted(entry.msgstr_plural.items()))
            for entry in entries
            if entry.msgid and not entry.obsolete and "fuzzy" not in getattr(entry, "flags", [])
        }

    assert messages(mo) == messages(po)


def test_the_catalogues_hold_every_string_marked_today(tmp_path):
    """makemessages, run on a copy of the project, finds nothing the shipped catalogues do not have and the
    catalogues keep nothing the code no longer marks: a string marked but never translated fails here."""
    if not shutil.which("xgettext"):
        if os.environ.get("REQUIRE_GETTEXT"):
            pytest.fail("REQUIRE_GETTEXT is set, but GNU gettext (xgettext) is not installed")
        pytest.skip("GNU gettext (xgettext) is not installed: apt-get install gettext")
    for name in ("manage.py", "portal", "events", "templates", "static", "locale"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    environment = {**os.environ, "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "portal.settings"}
    environment.pop("DATABASE_URL", None)
    for domain, extra in (("django", []), ("djangojs", ["--extension", "js"])):
        subprocess.run(
            [sys.executable, "manage.py", "makemessages", "--all", "--keep-pot", "--domain", domain, *extra],
            cwd=tmp_path,
            env=environment,
            check=True,
            capture_output=True,
        )
        marked = {
            (entry.msgctxt, entry.msgid) for entry in polib.pofile(tmp_path / "locale" / f"{domain}.pot")
        }
        for code in SHIPPED:
            shipped = {
                (entry.msgctxt, entry.msgid)
                for entry in polib.pofile(catalogue(code, domain))
                if not entry.obsolete
            }
            assert sorted(marked - shipped, key=str) == [], f"{code}/{domain}.po lacks strings: make messages"
            assert sorted(shipped - marked, key=str) == [], (
                f"{code}/{domain}.po keeps strings no longer marked"
            )
