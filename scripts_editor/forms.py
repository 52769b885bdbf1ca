"""Forms that validate what the editor and history pages post; saving happens in services."""

from django import forms
from django.conf import settings

from .models import ScriptRevision
from .scripts import SCRIPTS


class ScriptsSaveForm(forms.Form):
    """All seven bodies (field `script_<key>`), the revision the editor started from and a message."""

    base_number = forms.IntegerField(min_value=0)
    message = forms.CharField(required=False, max_length=ScriptRevision._meta.get_field("message").max_length)
    draft = forms.BooleanField(required=False)  # "Save as draft": stored, but serves no login until deployed

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for spec in SCRIPTS:
            # strip=False: whitespace is part of the script; a missing field would drop a script, so require it.
            self.fields[f"script_{spec.key}"] = forms.CharField(required=False, strip=False, empty_value="")

    def clean(self):
        cleaned = super().clean()
        missing = [spec.key for spec in SCRIPTS if f"script_{spec.key}" not in self.data]
        if missing:
            raise forms.ValidationError(f"Every save sends all seven scripts; missing: {', '.join(missing)}.")
        return cleaned

    @property
    def scripts(self) -> dict[str, str]:
        return {spec.key: self.cleaned_data[f"script_{spec.key}"] for spec in SCRIPTS}


class RestoreForm(forms.Form):
    base_number = forms.IntegerField(min_value=0)


class DiffForm(forms.Form):
    old = forms.IntegerField(min_value=0, required=False)
    new = forms.IntegerField(min_value=0, required=False)
    view = forms.ChoiceField(choices=[("split", "Side by side"), ("unified", "Unified")], required=False)


class ShadowStartForm(forms.Form):
    """Start a shadow run (identity.shadow); the service checks that writing scripts are explicitly allowed."""

    scripts = forms.MultipleChoiceField(
        choices=[(s.key, s.title) for s in SCRIPTS], widget=forms.CheckboxSelectMultiple, required=True
    )
    allow_writes = forms.MultipleChoiceField(
        choices=[(s.key, s.title) for s in SCRIPTS], widget=forms.CheckboxSelectMultiple, required=False
    )
    max_calls = forms.IntegerField(min_value=1, max_value=100_000, initial=settings.SHADOW_DEFAULT_CALLS)
    hours = forms.IntegerField(min_value=1, max_value=7 * 24, initial=settings.SHADOW_DEFAULT_HOURS)
