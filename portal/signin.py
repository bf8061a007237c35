"""The brake on guessing at the admin's sign-in: passwords and second-factor codes, per account and per address.

Each guess is counted against its account before it is checked, in the database that every worker and app
server shares (portal.ratelimit), so guesses made at the same moment, from however many addresses, get at
most ADMIN_LOGIN_MAX_FAILURES checks within ADMIN_LOGIN_LOCKOUT_SECONDS; after that the account's sign-in
pauses until that window ends. A username that belongs to no account is counted the same way, and answered
the same way, so the brake says nothing about which accounts exist. Only a right guess resets its account's
count.

An address (a venue's Wi-Fi is one for a whole hall of organisers) is never locked out: after
ADMIN_LOGIN_MAX_FAILURES failures from it, each further attempt from it waits a little longer after the one
before (1, 2, 4 … seconds, at most ADDRESS_MAX_DELAY), which slows one client trying many accounts without
keeping an organiser who types the right password out for more than seconds."""

import dataclasses
import hashlib
import unicodedata

from django.conf import settings

from . import ratelimit

# The longest an address waits between attempts once its failures pile up: what an organiser sharing it with
# someone who guesses may have to wait, at most.
ADDRESS_MAX_DELAY = 60


@dataclasses.dataclass(frozen=True)
class Refusal:
    """An attempt the brake stopped before it was checked: whose count stopped it and for how many seconds."""

    reason: str  # "account" or "address"
    seconds: int


@dataclasses.dataclass
class Attempt:
    """One guess, counted before its check; the caller says how the check went."""

    account_key: str
    address_key: str
    holds_address: bool
    refusal: Refusal | None = None

    def succeeded(self):
        """A right guess: its account counts from nothing again; the address keeps its other failures."""
        ratelimit.reset(self.account_key)
        self._take_back_address()

    def failed(self):
        """A wrong guess stays counted against its account and its address."""

    def _take_back_address(self):
        ratelimit.uncount(self.address_key)
        if self.holds_address:
            ratelimit.reset(_wait_key(self.address_key))


def normalise_username(username):
    """The username as the sign-in form reads it (stripped, NFKC) and without case, so that "Root" and
    "root" share one count on databases that compare names without case."""
    return unicodedata.normalize("NFKC", (username or "").strip()).casefold()


def begin(request, purpose, account):
    """Count the attempt of `purpose` ("password", "code") at `account` (a normalised username, or a user's
    id) from the request's address; an Attempt whose `refusal` is set must not be checked."""
    address_key = f"admin-{purpose}:address:{ratelimit.client_address(request)}"
    digest = hashlib.sha256(str(account).encode()).hexdigest()[:40]
    account_key = f"admin-{purpose}:account:{digest}"
    limit = settings.ADMIN_LOGIN_MAX_FAILURES
    window = settings.ADMIN_LOGIN_LOCKOUT_SECONDS

    attempt = Attempt(account_key=account_key, address_key=address_key, holds_address=False)
    failures_before = ratelimit.count(address_key, window) - 1
    if failures_before >= limit:
        delay = min(2 ** (failures_before - limit), ADDRESS_MAX_DELAY)
        if not ratelimit.hold(_wait_key(address_key), delay):
            ratelimit.uncount(address_key)
            attempt.refusal = Refusal("address", max(1, ratelimit.seconds_left(_wait_key(address_key))))
            return attempt
        attempt.holds_address = True
    if ratelimit.count(account_key, window) > limit:
        attempt._take_back_address()
        attempt.refusal = Refusal("account", max(1, ratelimit.seconds_left(account_key)))
    return attempt


def _wait_key(address_key):
    return f"{address_key}:wait"
