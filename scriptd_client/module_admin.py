"""Operators add npm packages to the sandbox's catalog (`python manage.py sandbox_modules add|list|remove`).

An added package lives in settings.SANDBOX_MODULES_DIR (var/sandbox-modules, kept across upgrades):
`npm install` puts it under an alias in node_modules/, `node build.mjs --extra DIR` bundles it into
dist/, and catalog.json lists it in sandbox/catalog.json's format. `add` marks the version "pending"
while it loads the package in a throwaway scriptd (a real isolate); a running scriptd serves only
versions that passed, and picks them up without a restart. Install scripts never run (--ignore-scripts),
and a package with a native addon is refused: isolates load JavaScript only.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from scriptd_client import catalog
from scriptd_client import client as scriptd
from scriptd_client.node import SANDBOX_DIR, scriptd_node

# npm's rules for a package name (lower case, URL-safe, optional @scope/).
NAME = re.compile(r"^(@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*$")
# An exact version (semver, no build metadata): it names folders and bundle files, so nothing else may pass.
VERSION = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$")
NPM_TIMEOUT_S = 300
LOAD_TIMEOUT_MS = 20_000


class ModuleAdminError(Exception):
    """A refusal the operator should read: the message says why and what to do."""


@dataclass(frozen=True)
class Added:
    name: str
    version: str
    default: str


def modules_dir() -> Path:
    return Path(settings.SANDBOX_MODULES_DIR)


def _read_additions() -> dict:
    path = catalog.additions_file()
    if not path.exists():
        return {"about": "Packages added with `python manage.py sandbox_modules add`.", "packages": {}}
    return json.loads(path.read_text())


def _write_additions(data: dict) -> None:
    """Atomically: scriptd re-reads this file when it changes and must never see half of it."""
    path = catalog.additions_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as tmp:
        json.dump(data, tmp, indent=2)
        tmp.write("\n")
    os.replace(tmp.name, path)


def _npm(args: list[str]) -> subprocess.CompletedProcess:
    npm = shutil.which("npm")
    if npm is None:
        raise ModuleAdminError("npm is not installed, so packages cannot be added.")
    env = {**os.environ, "npm_config_update_notifier": "false", "npm_config_fund": "false", "npm_config_audit": "false"}
    done = subprocess.run(
        [npm, *args], cwd=modules_dir(), capture_output=True, text=True, timeout=NPM_TIMEOUT_S, env=env, check=False
    )
    if done.returncode != 0:
        lines = [
            line for line in done.stderr.splitlines() if line.startswith("npm error") and line.strip() != "npm error"
        ]
        raise ModuleAdminError(f"npm {args[0]} failed: {' '.join(lines[:4]) or done.stderr.strip()[-400:]}")
    return done


def _alias(name: str, version: str) -> str:
    """The node_modules folder of one added version: npm aliases let several versions coexist."""
    return "added-" + name.lstrip("@").replace("/", "__") + "-" + version


def _native_addon(package_dir: Path) -> str | None:
    """Why the package cannot run in an isolate, if it carries native code (itself or a dependency)."""
    for path in package_dir.rglob("*"):
        if path.name == "binding.gyp" or path.suffix == ".node":
            return f"it has a native addon ({path.relative_to(package_dir)}), which cannot be loaded in an isolate"
    meta = json.loads((package_dir / "package.json").read_text())
    if meta.get("gypfile"):
        return "it builds a native addon (gypfile), which cannot be loaded in an isolate"
    return None


def _ensure_project() -> None:
    folder = modules_dir()
    folder.mkdir(parents=True, exist_ok=True)
    project = folder / "package.json"
    if not project.exists():
        project.write_text(
            json.dumps({"name": "trickle-sandbox-additions", "private": True, "dependencies": {}}) + "\n"
        )


def _load_check(name: str, version: str) -> None:
    """require('name@version') in a real isolate of a throwaway scriptd that also serves pending versions."""
    with tempfile.TemporaryDirectory(prefix="trickle-module-check-") as tmp:
        socket_path = str(Path(tmp) / "scriptd.sock")
        argv, env = scriptd.scriptd_command(socket_path=socket_path, workers=1, include_pending=True)
        with open(Path(tmp) / "scriptd.log", "w") as log:
            process = subprocess.Popen(argv, env=env, stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + 60
            while True:
                with contextlib.suppress(scriptd.ScriptdUnavailable):
                    if all(w["alive"] for w in scriptd.ping(socket_path=socket_path)["workers"]):
                        break
                if process.poll() is not None or time.monotonic() > deadline:
                    raise ModuleAdminError(
                        f"the sandbox did not start to check the package: {Path(tmp, 'scriptd.log').read_text()[-500:]}"
                    )
                time.sleep(0.05)
            spec = f"{name}@{version}"
            source = (
                "function verify(email, callback) {"
                f" const m = require({json.dumps(spec)});"
                f" callback(null, {{ type: typeof m, version: require({json.dumps(spec + '/package.json')}).version }}); }}"
            )
            from scripts_editor.scripts import BY_KEY

            outcome = scriptd.run_script_collect(
                **BY_KEY["verify"].for_scriptd(),
                source=source,
                args=["check@example.com"],
                limits=scriptd.Limits(timeout_ms=LOAD_TIMEOUT_MS, memory_mb=256, log_lines=100, log_bytes=65536),
                socket_path=socket_path,
            )
        finally:
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
            if process.poll() is None:
                process.kill()
    if outcome.status != "ok":
        error = outcome.result.get("error") or {}
        raise ModuleAdminError(
            f"{name}@{version} does not load in an isolate: {error.get('name', 'Error')}: {error.get('message', outcome.status)}"
        )
    if outcome.value.get("version") != version:
        raise ModuleAdminError(f"{name}@{version} loaded as version {outcome.value.get('version')}")


@contextlib.contextmanager
def _one_at_a_time():
    """One add or remove at a time: both rewrite catalog.json and run npm in the same folder, so a second one
    at the same moment would lose the first one's entry or break its install. It is refused, not queued."""
    folder = modules_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ModuleAdminError(
                "another `sandbox_modules add` or `remove` is running; try again when it has finished"
            ) from None
        yield


def add(spec: str, *, tarball: Path | None = None, make_default: bool = False) -> Added:
    """Install, bundle and check one package version; on any refusal nothing of it stays."""
    with _one_at_a_time():
        return _add(spec, tarball=tarball, make_default=make_default)


def _add(spec: str, *, tarball: Path | None, make_default: bool) -> Added:
    name, _, wanted = spec.rpartition("@") if spec.count("@") > (1 if spec.startswith("@") else 0) else (spec, "", "")
    if not NAME.match(name) or not VERSION.match(wanted):
        raise ModuleAdminError(f"'{spec}' is not NAME@VERSION (for example left-pad@1.3.0)")
    if name in catalog.builtins()["modules"]:
        raise ModuleAdminError(
            f"require('{name}') is already served by the sandbox itself (Node built-in or host bridge)"
        )
    if wanted in catalog.packages().get(name, {}).get("versions", []):
        raise ModuleAdminError(f"{name}@{wanted} is already in the catalog")
    if tarball is not None and not Path(tarball).is_file():
        raise ModuleAdminError(f"{tarball} is not a file")
    _ensure_project()
    alias = _alias(name, wanted)
    if tarball is not None:
        # Kept next to the install: `npm ci`-like reinstalls and `remove` find it there.
        kept = modules_dir() / "tarballs" / Path(tarball).name
        kept.parent.mkdir(exist_ok=True)
        shutil.copyfile(tarball, kept)
        source = f"file:tarballs/{kept.name}"
    else:
        source = f"npm:{name}@{wanted}"
    _npm(
        [
            "install",
            "--save-exact",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            f"{alias}@{source}",
        ]
    )
    installed = modules_dir() / "node_modules" / alias
    data = _read_additions()
    try:
        meta = json.loads((installed / "package.json").read_text())
        if meta.get("name") != name:
            raise ModuleAdminError(f"the package installed is {meta.get('name')}, not {name}")
        version = meta["version"]
        if version != wanted:
            raise ModuleAdminError(f"{spec} installed version {version}; add exactly {name}@{version}")
        why = _native_addon(installed)
        if why:
            raise ModuleAdminError(f"{name}@{version} cannot run in the sandbox: {why}")
        pkg = data["packages"].setdefault(
            name, {"note": meta.get("description", "")[:200], "default": version, "versions": {}}
        )
        pkg["versions"][version] = {"npm": alias, "pending": True}
        if make_default:
            pkg["default"] = version
        _write_additions(data)
        build = subprocess.run(
            [scriptd_node(), str(SANDBOX_DIR / "build.mjs"), "--extra", str(modules_dir())],
            cwd=SANDBOX_DIR,
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT_S,
            check=False,
        )
        if build.returncode != 0:
            # build.mjs ends with a summary ("scriptd: ... failed") after esbuild's own drawing of each error.
            told = build.stderr.strip()
            told = told[told.rfind("scriptd: ") :] if "scriptd: " in told else told
            raise ModuleAdminError(f"{name}@{version} could not be bundled: {told[-600:]}")
        _load_check(name, version)
    except BaseException:
        _forget(name, wanted, alias)
        raise
    data = _read_additions()
    data["packages"][name]["versions"][version].pop("pending", None)
    _write_additions(data)
    return Added(name=name, version=version, default=data["packages"][name]["default"])


def _forget(name: str, version: str, alias: str) -> None:
    data = _read_additions()
    pkg = data["packages"].get(name)
    if pkg and version in pkg["versions"]:
        del pkg["versions"][version]
        if not pkg["versions"]:
            del data["packages"][name]
        elif pkg["default"] == version:
            pkg["default"] = sorted(pkg["versions"], key=catalog.version_key)[-1]
        _write_additions(data)
    with contextlib.suppress(ModuleAdminError):
        _npm(["uninstall", "--no-audit", "--no-fund", "--loglevel=error", alias])
    # This version's bundle and its subpaths' folder, exactly: a glob would also take 1.3.0-beta with 1.3.0.
    bundles = modules_dir() / "dist" / "modules"
    shutil.rmtree(bundles / f"{name}@{version}", ignore_errors=True)
    (bundles / f"{name}@{version}.js").unlink(missing_ok=True)


def remove(spec: str) -> None:
    with _one_at_a_time():
        _remove(spec)


def _remove(spec: str) -> None:
    name, _, version = spec.rpartition("@") if spec.count("@") > (1 if spec.startswith("@") else 0) else (spec, "", "")
    added = _read_additions()["packages"].get(name, {}).get("versions", {})
    if version not in added:
        base = json.loads(catalog.CATALOG_FILE.read_text())["packages"].get(name, {}).get("versions", {})
        if version in base:
            raise ModuleAdminError(f"{name}@{version} comes with Trickle (sandbox/catalog.json), not from an operator")
        raise ModuleAdminError(f"{spec} was not added; `sandbox_modules list` shows what was")
    _forget(name, version, added[version]["npm"])
