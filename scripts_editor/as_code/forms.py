"""Forms of the dashboard's export and import pages: they validate and shape, the services act."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from connections_admin.models import Connection

from .exceptions import AsCodeRejected
from .keywords import keywords_parse
from .layout import DIRECTORY, YAML
from .upload import MAX_ZIP_BYTES


class ExportForm(forms.Form):
    layout = forms.ChoiceField(
        choices=[
            (DIRECTORY, "Directory (database-connections/<name>/database.json)"),
            (YAML, "YAML (tenant.yaml with databases/<name>/*.js)"),
        ],
        initial=DIRECTORY,
        widget=forms.RadioSelect,
    )
    names = forms.ModelMultipleChoiceField(
        label="Connections",
        queryset=Connection.objects.order_by("name"),
        to_field_name="name",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: all of them.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.add_input(Submit("download", "Download zip"))


class ImportUploadForm(forms.Form):
    archive = forms.FileField(
        label="Zip archive",
        help_text="A folder in either layout, zipped.",
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )
    keywords = forms.FileField(
        required=False,
        label="Keywords (JSON)",
        help_text='{"KEY": value}: <code>@@KEY@@</code> becomes the JSON-encoded value, <code>##KEY##</code> the '
        "value itself. The server's environment is never used here. A configuration value left as a bare "
        "<code>##KEY##</code> keeps the value an existing connection already stores; a new connection "
        "needs it supplied.",
    )
    allow_delete = forms.BooleanField(
        required=False,
        label="Allow deletions",
        help_text="Delete connections, and configuration keys, that the files do not list.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = True
        self.helper.attrs = {"enctype": "multipart/form-data"}
        self.helper.add_input(Submit("preview", "Preview changes"))

    def clean_archive(self):
        archive = self.cleaned_data["archive"]
        if archive.size > MAX_ZIP_BYTES:
            raise forms.ValidationError(f"At most {MAX_ZIP_BYTES // 1024 // 1024} MB.")
        return archive.read()

    def clean_keywords(self):
        upload = self.cleaned_data.get("keywords")
        if not upload:
            return {}
        try:
            return keywords_parse(upload.read().decode("utf-8"), name=upload.name)
        except UnicodeDecodeError as e:
            raise forms.ValidationError("Not UTF-8 text.") from e
        except AsCodeRejected as e:
            raise forms.ValidationError([p.message for p in e.problems]) from e


class ImportConfirmForm(forms.Form):
    upload = forms.RegexField(regex=r"^[A-Za-z0-9_-]{10,64}$", widget=forms.HiddenInput)
    fingerprint = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
