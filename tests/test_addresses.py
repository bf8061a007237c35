"""Email addresses as mailboxes: one spelling for each, and domains whose labels keep to one script."""

import pytest

from events.addresses import mixed_scripts, normalise_email


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


@pytest.mark.parametrize(
    ("domain", "scripts"),
    [
        ("p\u0430ypal.com", ["Cyrillic", "Latin"]),  # a Cyrillic а among Latin letters
        ("xn--pypal-4ve.com", ["Cyrillic", "Latin"]),  # the same in punycode
        ("XN--PYPAL-4VE.com", ["Cyrillic", "Latin"]),
        ("login.p\u0430ypal.com", ["Cyrillic", "Latin"]),
        ("\u03b1pple.com", ["Greek", "Latin"]),
        ("한국ひらがな.kr", ["Hangul", "Hiragana"]),
        ("пример.рф", []),
        ("ελληνικά.gr", []),
        ("bücher.example", []),
        ("straße.de", []),
        ("日本語とカタカナ.jp", []),  # Han, Hiragana and Katakana: Japanese
        ("sonyストア.jp", []),  # Latin with Katakana
        ("ラーメン.jp", []),  # the prolonged sound mark goes with either kana
        ("한국abc.kr", []),  # Hangul with Latin
        ("中文ㄅㄆ.tw", []),  # Han with Bopomofo
        ("cilium-2022.example.org", []),
        ("xn--bcher-kva.example", []),
    ],
)
def test_a_label_that_mixes_scripts_is_found(domain, scripts):
    assert mixed_scripts(domain) == scripts
