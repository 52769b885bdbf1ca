"""`manage.py sandbox_modules add/list/remove`: a real package (made with `npm pack` here, so no registry
is needed) is installed under the additions folder, bundled, loaded in a throwaway isolate and served by
a running scriptd without a restart; a package that cannot run in an isolate is refused, and nothing of it stays."""

import json
import subprocess

import pytest
from django.core.management import CommandError, call_command

from scriptd_client import catalog
from scriptd_client import client as scriptd
from scripts_editor.scripts import BY_KEY
from tests.fixtures.scriptd import scriptd_running

pytestmark = pytest.mark.scriptd


def packed(tmp_path, name, version, files):
    """A tarball made by the real `npm pack` from a package folder with these files."""
    folder = tmp_path / f"{name}-{version}-src"
    folder.mkdir()
    (folder / "package.json").write_text(json.dumps({"name": name, "version": version, "main": "index.js"}))
    for path, text in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text)
    done = subprocess.run(
        ["npm", "pack", "--silent", "--pack-destination", str(tmp_path)],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    )
    return tmp_path / done.stdout.strip().splitlines()[-1]


@pytest.fixture
def additions(tmp_path, settings):
    settings.SANDBOX_MODULES_DIR = tmp_path / "sandbox-modules"
    return settings.SANDBOX_MODULES_DIR


def run_in(socket_path, body):
    source = f"function verify(email, callback) {{ {body} }}"
    limits = scriptd.Limits(timeout_ms=10000, memory_mb=128, log_lines=100, log_bytes=65536)
    return scriptd.run_script_collect(
        **BY_KEY["verify"].for_scriptd(), source=source, args=["a@b.c"], limits=limits, socket_path=socket_path
    )


GREETER = (
    "module.exports = function greet(name) { return 'hello ' + name + ' from ' + require('./package.json').version; };"
)


def test_add_list_remove_a_packed_package_served_by_a_running_scriptd(tmp_path, additions, capsys):
    v1 = packed(tmp_path, "trickle-greeter", "1.0.0", {"index.js": GREETER})
    v2 = packed(tmp_path, "trickle-greeter", "2.1.0", {"index.js": GREETER.replace("hello", "hi")})
    with scriptd_running(tmp_path, workers=1) as socket_path:
        before = run_in(socket_path, "require('trickle-greeter');")
        assert before.status == "error" and "trickle-greeter" in before.result["error"]["message"]

        call_command("sandbox_modules", "add", "trickle-greeter@1.0.0", "--tarball", str(v1))
        call_command("sandbox_modules", "add", "trickle-greeter@2.1.0", "--tarball", str(v2))
        assert "added trickle-greeter@2.1.0" in capsys.readouterr().out
        # The running scriptd serves both, with semver resolution and the first added as the default.
        body = """callback(null, [require('trickle-greeter')('ann'), require('trickle-greeter@2')('bob'),
                   require('trickle-greeter@^1.0.0/package.json').version]);"""
        outcome = run_in(socket_path, body)
        assert outcome.status == "ok", outcome.result
        assert outcome.value == ["hello ann from 1.0.0", "hi bob from 2.1.0", "1.0.0"]

        call_command("sandbox_modules", "list")
        listed = capsys.readouterr().out
        assert "trickle-greeter: 1.0.0 (default) (added), 2.1.0 (added)" in listed
        assert "mongodb: 3.7.4 (default), 4.17.2, 5.9.2, 6.22.0" in listed
        assert catalog.packages()["trickle-greeter"]["added"] == ["1.0.0", "2.1.0"]

        call_command("sandbox_modules", "remove", "trickle-greeter@1.0.0")
        outcome = run_in(socket_path, "callback(null, require('trickle-greeter')('cy'));")
        assert outcome.status == "ok", outcome.result
        assert outcome.value == "hi cy from 2.1.0"  # the default moved to the version left
        gone = run_in(socket_path, "require('trickle-greeter@1');")
        assert (
            "no version of trickle-greeter satisfies 1; the sandbox serves trickle-greeter 2.1.0"
            in gone.result["error"]["message"]
        )
    assert not (additions / "node_modules" / "added-trickle-greeter-1.0.0").exists()


def test_a_package_that_fails_in_an_isolate_is_refused_and_nothing_stays(tmp_path, additions):
    tarball = packed(tmp_path, "trickle-spawner", "1.0.0", {"index.js": "require('child_process').execSync('id');"})
    with pytest.raises(CommandError) as refused:
        call_command("sandbox_modules", "add", "trickle-spawner@1.0.0", "--tarball", str(tarball))
    assert "trickle-spawner@1.0.0 does not load in an isolate" in str(refused.value)
    assert "execSync() is not available: scripts in Trickle's sandbox cannot start processes" in str(refused.value)
    assert "trickle-spawner" not in catalog.packages()
    assert not (additions / "node_modules" / "added-trickle-spawner-1.0.0").exists()


def test_a_native_addon_is_refused_with_the_reason(tmp_path, additions):
    tarball = packed(
        tmp_path,
        "trickle-native",
        "1.0.0",
        {"index.js": "module.exports = require('./build/Release/x.node');", "binding.gyp": "{}"},
    )
    with pytest.raises(
        CommandError, match=r"trickle-native@1.0.0 cannot run in the sandbox: it has a native addon \(binding.gyp\)"
    ):
        call_command("sandbox_modules", "add", "trickle-native@1.0.0", "--tarball", str(tarball))
    assert "trickle-native" not in catalog.packages()


@pytest.mark.parametrize(
    "args, message",
    [
        (["add", "Not A Name@1"], "'Not A Name@1' is not NAME@VERSION"),
        # The version names folders and files: only an exact version passes (no range, no path).
        (["add", "left-pad@^1"], "'left-pad@\\^1' is not NAME@VERSION"),
        (["add", "left-pad@1.3.0/../../../x"], "'left-pad@1.3.0/../../../x' is not NAME@VERSION"),
        (["add", "mongodb@3.7.4"], "mongodb@3.7.4 is already in the catalog"),
        (
            ["add", "bcrypt@5.1.1"],
            "require('bcrypt') is already served by the sandbox itself (Node built-in or host bridge)",
        ),
        (["remove", "mongodb@3.7.4"], "mongodb@3.7.4 comes with Trickle (sandbox/catalog.json), not from an operator"),
        (["remove", "left-pad@1.3.0"], "left-pad@1.3.0 was not added"),
    ],
)
def test_refusals_say_why(additions, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("sandbox_modules", *args)


@pytest.mark.parametrize("how", ["absolute", "relative"])
def test_a_package_cannot_bundle_a_host_file_outside_its_folder(tmp_path, additions, how):
    # A package from the registry requiring a file of the host (a key, a settings file) would have it copied
    # into its bundle at build time, where every script could read it.
    secret = tmp_path / "host-secret.json"
    secret.write_text(json.dumps({"key": "host-file-content-0xBEEF"}))
    target = str(secret) if how == "absolute" else "../../../host-secret.json"
    tarball = packed(
        tmp_path, "trickle-reacher", "1.0.0", {"index.js": f"module.exports = require({json.dumps(target)});"}
    )
    with pytest.raises(
        CommandError, match="(?s)trickle-reacher@1.0.0 could not be bundled.*outside the package's folder"
    ):
        call_command("sandbox_modules", "add", "trickle-reacher@1.0.0", "--tarball", str(tarball))
    assert "trickle-reacher" not in catalog.packages()
    bundles = additions / "dist" / "modules"
    assert not any("0xBEEF" in p.read_text() for p in bundles.rglob("*.js")) if bundles.exists() else True


def test_removing_a_version_keeps_its_prereleases(tmp_path, additions):
    beta = packed(tmp_path, "trickle-greeter", "1.0.0-beta.1", {"index.js": GREETER})
    final = packed(tmp_path, "trickle-greeter", "1.0.0", {"index.js": GREETER})
    call_command("sandbox_modules", "add", "trickle-greeter@1.0.0-beta.1", "--tarball", str(beta))
    call_command("sandbox_modules", "add", "trickle-greeter@1.0.0", "--tarball", str(final))

    call_command("sandbox_modules", "remove", "trickle-greeter@1.0.0")
    assert catalog.packages()["trickle-greeter"]["versions"] == ["1.0.0-beta.1"]
    bundles = additions / "dist" / "modules"
    assert (bundles / "trickle-greeter@1.0.0-beta.1.js").exists()
    assert not (bundles / "trickle-greeter@1.0.0.js").exists()


def test_a_tarball_with_a_link_out_of_its_folder_serves_nothing_of_the_host(tmp_path, additions):
    import io
    import tarfile

    secret = tmp_path / "host-secret.json"
    secret.write_text(json.dumps({"key": "host-file-content-0xBEEF"}))
    tarball = tmp_path / "trickle-linker-1.0.0.tgz"
    with tarfile.open(tarball, "w:gz") as tar:
        for name, text in {
            "package/package.json": json.dumps({"name": "trickle-linker", "version": "1.0.0", "main": "index.js"}),
            "package/index.js": "module.exports = require('./leak.json');",
        }.items():
            info = tarfile.TarInfo(name)
            info.size = len(text.encode())
            tar.addfile(info, io.BytesIO(text.encode()))
        link = tarfile.TarInfo("package/leak.json")
        link.type, link.linkname = tarfile.SYMTYPE, str(secret)
        tar.addfile(link)

    with pytest.raises(CommandError, match="trickle-linker@1.0.0"):
        call_command("sandbox_modules", "add", "trickle-linker@1.0.0", "--tarball", str(tarball))
    assert "trickle-linker" not in catalog.packages()
    assert not any("0xBEEF" in p.read_text() for p in additions.rglob("*.js") if p.is_file())


def test_a_second_add_while_one_runs_is_refused_and_changes_nothing(tmp_path, additions):
    import fcntl

    tarball = packed(tmp_path, "trickle-greeter", "1.0.0", {"index.js": GREETER})
    additions.mkdir(parents=True)
    with open(additions / ".lock", "w") as held:  # as an add still running in another process holds it
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(CommandError, match="another `sandbox_modules add` or `remove` is running"):
            call_command("sandbox_modules", "add", "trickle-greeter@1.0.0", "--tarball", str(tarball))
        with pytest.raises(CommandError, match="another `sandbox_modules add` or `remove` is running"):
            call_command("sandbox_modules", "remove", "trickle-greeter@1.0.0")
    assert "trickle-greeter" not in catalog.packages()
    call_command("sandbox_modules", "add", "trickle-greeter@1.0.0", "--tarball", str(tarball))
    assert catalog.packages()["trickle-greeter"]["versions"] == ["1.0.0"]
