from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Fieldset, Layout, Submit
from django import forms
from django.core.exceptions import ValidationError

from scriptd_client import limits

from . import services
from .models import MAX_CONFIG_KEY_LENGTH, MAX_NAME_LENGTH, MAX_VARIABLE_VALUE_LENGTH, Connection

USE_OWN_DATABASE_HELP = (
    "Off: users live only in Trickle's store and no script runs. "
    "On: logins and sign-ups run your action scripts against your legacy database."
)
IMPORT_USERS_HELP = (
    "Off (legacy authentication): every login runs the <code>login</code> script and users stay in your database; "
    "<code>login</code> is required and <code>get_user</code>, <code>create</code>, <code>verify</code>, "
    "<code>change_password</code>, <code>delete</code> and <code>change_email</code> each enable their feature. "
    "On (automatic migration): the first successful login copies the user, with the password just typed, into "
    "Trickle; later logins never touch your database. Only <code>login</code> and <code>get_user</code> run."
)


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """A service's ValidationError becomes form errors (on its field when the form has one), never a 500."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


class ConnectionCreateForm(forms.Form):
    name = forms.CharField(
        max_length=MAX_NAME_LENGTH,
        help_text="Letters, digits and single hyphens between them; it cannot be changed later.",
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "spellcheck": "false"}),
    )
    display_name = forms.CharField(max_length=MAX_NAME_LENGTH, required=False)
    use_own_database = forms.BooleanField(label="Use my own database", required=False, help_text=USE_OWN_DATABASE_HELP)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "name",
            "display_name",
            Field("use_own_database", wrapper_class="form-switch"),
            Submit("submit", "Create connection"),
        )


class ConnectionSettingsForm(forms.ModelForm):
    egress_allowlist = forms.CharField(
        label="Allowed hosts",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "class": "font-monospace"}),
        help_text="One <code>host:port</code> per line. Scripts' database and HTTP bridges may connect only here; "
        "loopback, private and link-local addresses are refused unless listed.",
    )

    # The version the page was loaded at: saving over someone else's newer change is refused.
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Connection
        fields = [
            "display_name",
            "use_own_database",
            "import_users",
            "requires_username",
            "legacy_globals",
            "enable_script_context",
            "script_timeout_s",
            "egress_allowlist",
        ]
        labels = {
            "legacy_globals": "Legacy globals",
            "enable_script_context": "Enable script context",
            "script_timeout_s": "Run time limit (seconds)",
        }
        help_texts = {"use_own_database": USE_OWN_DATABASE_HELP, "import_users": IMPORT_USERS_HELP}

    def __init__(self, *args, read_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["egress_allowlist"] = "\n".join(self.instance.egress_allowlist or [])
        self.initial.setdefault("version", self.instance.version)
        self.fields["script_timeout_s"].widget.attrs.update(min=limits.TIMEOUT_MIN_S, max=limits.TIMEOUT_MAX_S)
        if read_only:
            for field in self.fields.values():
                field.disabled = True
        if self.instance.enable_script_context:  # Auth0's rule, kept by the service too: on for good
            self.fields["enable_script_context"].disabled = True
            self.fields[
                "enable_script_context"
            ].help_text = "On: scripts get a context argument before callback. It cannot be turned off."
        else:
            self.fields["enable_script_context"].help_text = (
                "Scripts get a context argument before callback (request details). Once on, it cannot be turned off, "
                "and every script's signature changes: load a template again or add the argument."
            )
        self.helper = FormHelper()
        switches = [Field(f, wrapper_class="form-switch") for f in ("use_own_database", "import_users")]
        self.helper.layout = Layout(
            "version",
            Fieldset("Mode", *switches),
            Fieldset("General", "display_name", Field("requires_username", wrapper_class="form-switch")),
            Fieldset(
                "Script runtime",
                Field("legacy_globals", wrapper_class="form-switch"),
                Field("enable_script_context", wrapper_class="form-switch"),
                "script_timeout_s",
                "egress_allowlist",
            ),
        )
        if not read_only:
            self.helper.layout.append(
                Div(
                    Submit("submit", "Save settings"),
                    HTML('<span class="form-text ms-2">Changes are recorded in Activity.</span>'),
                )
            )

    def clean_egress_allowlist(self) -> list[str]:
        return [line.strip().lower() for line in self.cleaned_data["egress_allowlist"].splitlines() if line.strip()]

    def clean(self):
        # The service's rules, every problem at once and on its field (the save calls them again).
        data = super().clean()
        fields = {f: data[f] for f in self.Meta.fields if f in data and f in services.UPDATABLE_FIELDS}
        try:
            services.connection_settings_validate(fields=fields, connection=self.instance)
        except ValidationError as e:
            add_service_errors(self, e)
        return data


class VariableForm(forms.Form):
    key = forms.CharField(
        max_length=MAX_CONFIG_KEY_LENGTH,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "placeholder": "DB_URL", "class": "font-monospace"}
        ),
        help_text="Scripts read it as <code>configuration.KEY</code>. An existing key is replaced.",
    )
    value = forms.CharField(
        max_length=MAX_VARIABLE_VALUE_LENGTH,
        strip=False,
        # Write-only: never rendered back, not even after a failed submit.
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Encrypted at rest. A secret is never shown again.",
    )
    plain = forms.BooleanField(
        label="Plain (not a secret)",
        required=False,
        help_text="For ports, host names and flags: shown here and in the API, never masked in run output. "
        "Leave off for passwords, tokens and keys.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_class = "row g-2 align-items-start"
        self.helper.layout = Layout(
            Div("key", css_class="col-md-4"),
            Div("value", css_class="col-md-6"),
            Div(Submit("submit", "Set variable", css_class="mt-md-4"), css_class="col-md-2"),
            Div(Field("plain", wrapper_class="form-switch"), css_class="col-12"),
        )


class ConnectionDeleteForm(forms.Form):
    confirm_name = forms.CharField(label="Type the connection's name to confirm")

    def __init__(self, *args, connection: Connection, **kwargs):
        super().__init__(*args, **kwargs)
        self.connection = connection
        self.fields["confirm_name"].widget.attrs.update(
            {
                "autocomplete": "off",
                "autofocus": True,
                "data-confirm-value": connection.name,
                "data-confirm-button": "delete-button",
            }
        )
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_confirm_name(self):
        if self.cleaned_data["confirm_name"] != self.connection.name:
            raise forms.ValidationError("The name does not match.")
        return self.cleaned_data["confirm_name"]
