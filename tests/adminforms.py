"""The admin's change forms as a browser sends them: opened, filled in, sent."""

import lxml.html
from django.http import QueryDict


def form_data(response):
    """What the admin form of `response` sends as it is shown (a QueryDict to change, as a browser's form is)."""
    form = lxml.html.fromstring(response.content.decode()).xpath("//form[@method='post' and @novalidate]")[0]
    # A browser leaves out the line break that opens a textarea's content, which the template writes.
    textareas = set(form.xpath(".//textarea/@name"))
    data = QueryDict(mutable=True)
    for name, value in form.form_values():
        data.appendlist(name, value.removeprefix("\n") if name in textareas else value)
    return data


def opened_form(client, url):
    """What the change form at `url` sends back untouched, with the version it was opened with."""
    response = client.get(url)
    assert response.status_code == 200, url
    return form_data(response)


def edit_token(client, url):
    """The version the change form at `url` says it was opened with."""
    return opened_form(client, url)["_edit_token"]
