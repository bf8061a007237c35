"""Email addresses as mailboxes: one spelling for each, and domains that cannot pass for another."""

import unicodedata

import idna

# The combinations of scripts that UTS #39 allows in one label at its "highly restrictive" level: a language
# written with several scripts (Japanese, Chinese with Bopomofo, Korean), each with Latin as well.
ALLOWED_SCRIPT_MIXES = [
    {"Latin", "Han", "Hiragana", "Katakana"},
    {"Latin", "Han", "Bopomofo"},
    {"Latin", "Han", "Hangul"},
]
# First words of character names that are not the name of the character's script.
SCRIPT_OF_NAME = {
    "CJK": "Han",  # CJK UNIFIED IDEOGRAPH-65E5
    "IDEOGRAPHIC": "Han",  # IDEOGRAPHIC ITERATION MARK
    "KATAKANA-HIRAGANA": None,  # the prolonged sound mark, written with either kana
    "MODIFIER": None,  # MODIFIER LETTER TURNED COMMA, the Hawaiian ʻokina: written with any script
}


def normalise_email(address):
    """The one spelling of the mailbox `address`: NFKC-normalised, with its domain in IDNA 2008 ASCII form
    (UTS #46 mapping, so punycode and Unicode spellings agree) and in lower case; the local part keeps its
    case, which is the mail server's to interpret. Raises ValueError when the domain is not a valid
    internationalised domain name. Text without an @ is only NFKC-normalised, for the validator to refuse."""
    address = unicodedata.normalize("NFKC", address)
    local, at, domain = address.rpartition("@")
    if not at or not domain or domain.startswith("["):  # no domain, or an address literal such as [192.0.2.1]
        return address
    try:
        ascii_domain = idna.encode(domain, uts46=True).decode("ascii")
    except UnicodeError as exc:  # idna.IDNAError and the punycode codec's errors
        raise ValueError(f"Not a valid domain name: {exc}") from None
    return f"{local}@{ascii_domain.lower()}"


def script_of(char):
    """The script of a letter, approximated by the first word of its Unicode name ("Latin", "Cyrillic", "Han"),
    or None for anything that is not a letter: digits, hyphens and combining marks go with any script."""
    if not unicodedata.category(char).startswith("L"):
        return None
    word = unicodedata.name(char, "").split(" ")[0]
    return SCRIPT_OF_NAME.get(word, word.capitalize())


def mixed_scripts(domain):
    """The scripts of the first label of `domain` (Unicode or punycode) that mixes scripts as look-alike
    domains do, such as Latin with Cyrillic in "pаypal"; an empty list when every label keeps to one script
    or to a combination UTS #39 allows (Latin with Han and kana, Bopomofo or Hangul)."""
    for label in domain.split("."):
        if label.lower().startswith("xn--"):
            try:
                label = idna.decode(label)
            except UnicodeError:
                continue  # not punycode at all: normalise_email() refuses such a domain
        scripts = {script_of(char) for char in label} - {None}
        if len(scripts) > 1 and not any(scripts <= mix for mix in ALLOWED_SCRIPT_MIXES):
            return sorted(scripts)
    return []
