"""Forms of the staff's own sign-in pages: a code from an authenticator app or a recovery code, and the password
that confirms turning the second factor off."""

from django import forms
from django.utils.translation import gettext_lazy as _

from . import twofactor


class CodeForm(forms.Form):
    """A six-digit code from the app, or with `recovery` one of the account's recovery codes."""

    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "autocapitalize": "none"}
        ),
    )

    def __init__(self, *args, recovery=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.recovery = recovery
        if recovery:
            self.fields["code"].label = _("Recovery code")
            self.fields["code"].help_text = _("One of the codes you saved when you set the app up.")
        else:
            self.fields["code"].widget.attrs["inputmode"] = "numeric"
            self.fields["code"].help_text = _("The six digits your authenticator app shows now.")

    def clean_code(self):
        code = twofactor.clean_code(self.cleaned_data["code"])
        if self.recovery and not (code.isascii() and code.isalnum()):
            raise forms.ValidationError(_("A recovery code is made of letters and digits."))
        if not self.recovery and not (code.isascii() and code.isdigit() and len(code) == 6):
            raise forms.ValidationError(_("Type the six digits your app shows, e.g. 123 456."))
        return code


class ConfirmPasswordForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
