"""Passwords of staff accounts: at least 12 characters, since a staff password opens the admin."""

from django.contrib.auth.password_validation import MinimumLengthValidator
from django.core.exceptions import ValidationError
from django.utils.translation import ngettext


class StaffMinimumLengthValidator(MinimumLengthValidator):
    """At least `staff_min_length` characters for staff and superusers, and for accounts being made (the
    admin's form and createsuperuser make every account before its staff box is ticked, and the portal makes
    accounts only for staff); at least `min_length` for any other account."""

    def __init__(self, min_length=8, staff_min_length=12):
        super().__init__(min_length)
        self.staff_min_length = staff_min_length

    def validate(self, password, user=None):
        if not self.applies_to(user):
            return super().validate(password, user)
        if len(password) < self.staff_min_length:
            raise ValidationError(
                ngettext(
                    "This password is too short: staff accounts need at least %(min_length)d character.",
                    "This password is too short: staff accounts need at least %(min_length)d characters.",
                    self.staff_min_length,
                ),
                code="password_too_short",
                params={"min_length": self.staff_min_length},
            )

    def get_help_text(self):
        return ngettext(
            "Staff accounts (organisers and superusers) need a password of at least %(min_length)d character.",
            "Staff accounts (organisers and superusers) need a password of at least %(min_length)d characters.",
            self.staff_min_length,
        ) % {"min_length": self.staff_min_length}

    @staticmethod
    def applies_to(user):
        return user is None or user.pk is None or user.is_staff or user.is_superuser
