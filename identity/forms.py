from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, Submit
from django import forms


class TryLoginForm(forms.Form):
    username = forms.CharField(
        label="Username or email",
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )
    # render_value=False: the password is never echoed back into the page.
    password = forms.CharField(max_length=1024, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "off"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout("username", "password", Submit("submit", "Log in"))


class MetadataForm(forms.Form):
    """user_metadata and app_metadata as JSON objects; the service checks Auth0's rules on keys and size."""

    # Not required: an empty box (or {}) means no metadata.
    user_metadata = forms.JSONField(required=False, widget=forms.Textarea(attrs={"rows": 6, "class": "font-monospace"}))
    app_metadata = forms.JSONField(required=False, widget=forms.Textarea(attrs={"rows": 6, "class": "font-monospace"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("user_metadata", "app_metadata"):
            self.fields[name].error_messages["invalid"] = "Not valid JSON: fix the syntax (keys need double quotes)."

    def clean(self):
        data = super().clean()
        return {k: {} if v in (None, "") else v for k, v in data.items()}


class SetPasswordForm(forms.Form):
    password = forms.CharField(
        label="New password",
        min_length=8,
        max_length=1024,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class UserImportForm(forms.Form):
    users = forms.FileField(label="Users file (JSON, Auth0's user-import format)")
    upsert = forms.BooleanField(required=False, label="Update users that already exist (upsert)")


class PopulationUploadForm(forms.Form):
    file = forms.FileField(label="Legacy users (CSV: an email and/or user_id column, or one per line)")
    replace = forms.BooleanField(required=False, label="Replace the list given before")
    walk = forms.BooleanField(
        required=False, label="Then ask get_user about each email in the background (confirms who exists)"
    )
