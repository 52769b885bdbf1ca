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
