"""Mask the login records stored before the one masking rule: a configuration value inside a longer string
of a script's answer was kept in clear. Masked with each connection's current secret values (a value since
changed, and the passwords typed then, are not known any more)."""

from django.db import migrations


def _masked_run(mask, run: dict) -> dict:
    """One recorded run with what the script produced masked (its answer, error and log lines)."""
    masked = {k: mask.value(v) for k, v in run.items() if k in ("value", "error")}
    if "logs" in run:
        masked["logs"] = [{**line, "text": mask.text(str(line.get("text", "")))} for line in run["logs"] or []]
    return {**run, **masked}


def mask_recorded_runs(apps, schema_editor):
    from cryptography.fernet import InvalidToken

    from connections_admin.crypto import decrypt
    from scriptd_client.masking import Masker

    ConfigurationVariable = apps.get_model("connections_admin", "ConfigurationVariable")
    FlowEvent = apps.get_model("identity", "FlowEvent")
    secrets: dict[int, list[str]] = {}
    for variable in ConfigurationVariable.objects.filter(plain=False).only("connection_id", "value_encrypted"):
        try:
            secrets.setdefault(variable.connection_id, []).append(decrypt(variable.value_encrypted))
        except InvalidToken:  # a key already dropped: nothing to mask with
            continue
    for connection_id, values in secrets.items():
        mask = Masker(values)
        events = FlowEvent.objects.filter(connection_id=connection_id).only("pk", "script_runs", "message")
        for event in events.iterator(chunk_size=500):
            runs = [_masked_run(mask, run) for run in event.script_runs or []]
            message = mask.text(event.message)
            if runs != event.script_runs or message != event.message:
                FlowEvent.objects.filter(pk=event.pk).update(script_runs=runs, message=message)


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0001_initial"),
        ("connections_admin", "0005_configurationvariable_plain"),
    ]

    operations = [migrations.RunPython(mask_recorded_runs, migrations.RunPython.noop)]
