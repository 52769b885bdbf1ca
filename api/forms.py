from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, Submit
from django import forms

from .scopes import SCOPES


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}))
    scopes = forms.MultipleChoiceField(
        choices=[(s, f"{s} — {why}") for s, (_, why) in SCOPES.items()],
        widget=forms.CheckboxSelectMultiple,
        help_text="A token never exceeds your own permissions.",
    )
    expires_at = forms.DateTimeField(
        required=False,
        label="Expires",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Leave empty for a token that does not expire (revoke it when done).",
    )

    def __init__(self, *args, allowed: set[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scopes"].choices = [c for c in self.fields["scopes"].choices if c[0] in allowed]
        self.helper = FormHelper()
        self.helper.layout = Layout("name", "scopes", "expires_at", Submit("submit", "Create token"))
