"""What the signup form accepts: one signup per mailbox however its address is spelt, and no hostile text."""

import re

import pytest

from events.models import Signup
from tests.conftest import deliver_outbox
from tests.test_signup_views import form_data, open_office_hours, signup_url

pytestmark = pytest.mark.django_db

ALREADY_SIGNED_UP = "This email address is already signed up for this session."
MIXED_SCRIPTS = (
    "The domain of this address mixes Cyrillic and Latin letters, as look-alike addresses do. "
    "Please check it, or use another address."
)
BIDI = "Please remove the invisible characters that change the text direction."
NOT_UTF8 = "This was not sent as UTF-8 text, so it could not be read. Please type it again."


def field_errors(response, office_hours, field):
    """The messages shown by one field of the session's form."""
    found = re.search(
        rf'<ul class="errorlist" id="signup-{office_hours.pk}-{field}_error">(.*?)</ul>',
        response.content.decode(),
        re.DOTALL,
    )
    return re.findall(r"<li>(.*?)</li>", found[1]) if found else []


def post_body(client, office_hours, body):
    """Posts `body` (bytes) exactly as given, as a browser posts the form."""
    return client.post(signup_url(office_hours), body, content_type="application/x-www-form-urlencoded")


# One mailbox, one signup


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("homo@example.org", "homo@ＥＸＡＭＰＬＥ.org"),  # full-width letters
        ("homo@ＥＸＡＭＰＬＥ.org", "HOMO@example.org"),
        ("user@bücher.example", "user@xn--bcher-kva.example"),
        ("user@xn--bcher-kva.example", "user@BÜCHER.example"),
    ],
)
def test_a_second_spelling_of_the_same_address_is_already_signed_up(client, first, second):
    office_hours = open_office_hours()
    client.post(signup_url(office_hours), form_data(email=first))

    response = client.post(signup_url(office_hours), form_data(email=second, slot="20300515T1100Z"))

    assert response.status_code == 409
    assert ALREADY_SIGNED_UP in response.content.decode()
    assert Signup.objects.count() == 1
    # The confirmation, and the link to the signup sent again: both to the one stored spelling.
    assert [message.to for message in deliver_outbox()] == [[Signup.objects.get().email]] * 2


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("homo@ＥＸＡＭＰＬＥ.org", "homo@example.org"),
        ("user@bücher.example", "user@xn--bcher-kva.example"),
        ("Ada@Example.ORG", "Ada@example.org"),
    ],
)
def test_the_address_is_stored_and_written_to_in_its_one_spelling(client, typed, stored):
    office_hours = open_office_hours()

    response = client.post(signup_url(office_hours), form_data(email=typed))

    assert response.status_code == 302
    assert Signup.objects.get().email == stored
    assert deliver_outbox()[0].to == [stored]


def test_an_address_is_checked_for_length_as_it_is_stored(client):
    # 254 characters as typed, 284 with its domain in punycode: more than the column holds.
    domain = ".".join(["ü" * 20] * 5) + ".example"
    office_hours = open_office_hours()

    response = client.post(
        signup_url(office_hours), form_data(email="a" * (253 - len(domain)) + "@" + domain)
    )

    assert response.status_code == 400
    assert field_errors(response, office_hours, "email") == [
        "Ensure this value has at most 254 characters (it has 284)."
    ]
    assert Signup.objects.count() == 0


@pytest.mark.parametrize(
    "email", ["ada@p\u0430ypal.com", "ada@xn--pypal-4ve.com", "ada@login.p\u0430ypal.com"]
)
def test_a_domain_that_mixes_scripts_is_refused_by_the_email_field(client, email):
    office_hours = open_office_hours()

    response = client.post(signup_url(office_hours), form_data(email=email))

    assert response.status_code == 400
    assert field_errors(response, office_hours, "email") == [MIXED_SCRIPTS]
    assert Signup.objects.count() == 0
    assert deliver_outbox() == []


@pytest.mark.parametrize("email", ["ada@☃.net", "ada@ex\u202eample.org", "ada@xn--a.org"])
def test_a_domain_that_is_no_valid_idn_is_refused_by_the_email_field(client, email):
    office_hours = open_office_hours()

    response = client.post(signup_url(office_hours), form_data(email=email))

    assert response.status_code == 400
    assert field_errors(response, office_hours, "email") == [
        "Enter an email address such as ada@example.org."
    ]
    assert Signup.objects.count() == 0


# Text that reads differently from what was typed


@pytest.mark.parametrize("field", ["name", "question"])
@pytest.mark.parametrize(
    "control",
    [
        "\u202e",  # right-to-left override
        "\u202a",  # left-to-right embedding
        "\u2067",  # right-to-left isolate
        "\u2069",  # pop directional isolate
        "\u200f",  # right-to-left mark
        "\u061c",  # Arabic letter mark
    ],
)
def test_text_direction_controls_are_refused_by_their_field(client, field, control):
    office_hours = open_office_hours()

    response = client.post(signup_url(office_hours), form_data(**{field: f"invoice{control}fdp.exe"}))

    assert response.status_code == 400
    assert field_errors(response, office_hours, field) == [BIDI]
    assert Signup.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "question"),
    [
        ("Zoë Ødegård", "Ça marche avec IPv6 ?"),
        ("李小龍", "Cluster Mesh と BGP の違いは？"),
        ("محمد بن موسى الخوارزمي", "كيف يعمل eBPF؟"),  # right to left, with no control characters
        ("Ηλίας Παπαδόπουλος", "Πώς λειτουργεί το Hubble;"),
    ],
)
def test_names_and_questions_in_any_script_are_kept_as_typed(client, name, question):
    office_hours = open_office_hours()

    response = client.post(signup_url(office_hours), form_data(name=name, question=question))

    assert response.status_code == 302
    assert Signup.objects.values_list("name", "question").get() == (name, question)


# Bytes that are not UTF-8

VALID = b"slot=20300515T1030Z&email=ada%40example.org&question=Cluster+Mesh%3F&consent=on&website="


@pytest.mark.parametrize(
    "name",
    [
        b"name=%FF%FE",
        b"name=Zo%C3",  # the first byte of ë without the second
        b"name=%ED%A0%80",  # an encoded surrogate, which UTF-8 does not allow
        b"name=\xff\xfe",  # bytes sent as they are, not percent-encoded
    ],
)
def test_a_value_that_is_not_utf8_is_refused_by_its_field_and_nothing_is_stored(client, name):
    office_hours = open_office_hours()

    response = post_body(client, office_hours, name + b"&" + VALID)

    assert response.status_code == 400
    assert field_errors(response, office_hours, "name") == [NOT_UTF8]
    assert Signup.objects.count() == 0
    assert deliver_outbox() == []


def test_a_field_name_that_is_not_utf8_is_refused_for_the_whole_form(client):
    office_hours = open_office_hours()

    response = post_body(client, office_hours, b"name=Ada&%FF=1&" + VALID)

    assert response.status_code == 400
    assert (
        "Part of the form was not sent as UTF-8 text, so it could not be read." in response.content.decode()
    )
    assert Signup.objects.count() == 0


def test_a_body_in_utf8_is_read_as_typed(client):
    office_hours = open_office_hours()

    response = post_body(client, office_hours, b"name=Zo%C3%AB+%C3%98degard&" + VALID)

    assert response.status_code == 302
    assert Signup.objects.get().name == "Zoë Ødegard"
