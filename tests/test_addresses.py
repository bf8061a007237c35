"""Email addresses as mailboxes: one spelling for each."""

import pytest

from events.addresses import normalise_email


@pytest.mark.parametrize(
    ("address", "normalised"),
    [
        ("homo@ＥＸＡＭＰＬＥ.org", "homo@example.org"),  # full-width letters
        ("ｈｏｍｏ@example.org", "homo@example.org"),
        ("user@bücher.example", "user@xn--bcher-kva.example"),
        ("user@BÜCHER.example", "user@xn--bcher-kva.example"),
        ("user@XN--BCHER-KVA.Example", "user@xn--bcher-kva.example"),
        ("user@bu\u0308cher.example", "user@xn--bcher-kva.example"),  # u and a combining diaeresis
        ("user@straße.de", "user@xn--strae-oqa.de"),  # IDNA 2008 keeps ß, where IDNA 2003 made it "ss"
        ("user@日本語。jp", "user@xn--wgv71a119e.jp"),  # an ideographic full stop between labels
        ("Ada.Lovelace@Example.ORG", "Ada.Lovelace@example.org"),  # the local part is the mail server's
        ('"a@b"@example.org', '"a@b"@example.org'),
        ("ada@[192.0.2.1]", "ada@[192.0.2.1]"),  # an address literal is no domain name
        ("ada@localhost", "ada@localhost"),
        ("ａｄａ", "ada"),  # no @: for the validator to refuse
        ("ada@", "ada@"),
    ],
)
def test_an_address_has_one_spelling(address, normalised):
    assert normalise_email(address) == normalised


@pytest.mark.parametrize(
    "address",
    [
        "user@☃.net",  # a symbol, which IDNA 2008 does not allow
        "user@ex\u202eample.org",  # a right-to-left override
        "user@ex\u200dample.org",  # a zero-width joiner outside the scripts that need one
        "user@xn--a.org",  # punycode of a control character
        "user@xn--bcher-.example",
        "user@" + "a" * 64 + ".org",  # a label longer than 63 characters
        "user@ex_ample.org",
    ],
)
def test_a_domain_that_is_not_a_valid_idn_is_refused(address):
    with pytest.raises(ValueError):
        normalise_email(address)
