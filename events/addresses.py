"""Email addresses as mailboxes: one spelling for each."""

import unicodedata

import idna


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
