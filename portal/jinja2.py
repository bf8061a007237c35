"""The Jinja2 environment for templates/jinja2/: the parts of pages that repeat for every talk.

Django's template language costs about a quarter of a millisecond per talk card, so a 600-talk schedule
took 150 ms to render; Jinja2 compiles templates to Python and renders the same cards several times
faster. Pages are still Django templates; they hand their long lists to Jinja2 (events/templatetags).
"""

from django.utils.dateformat import format as date_format
from jinja2 import Environment


def environment(**options):
    # Keep each template's last newline, as Django's templates do, so an included card ends as before.
    env = Environment(**{**options, "keep_trailing_newline": True})
    env.filters["date"] = date_format  # dates (not datetimes) in Django's format letters: date("l j F")
    return env
