"""The real npm packages the peer tests drive in plain Node (no sandbox): each major of `mongodb` and
the AWS, Auth0 and database clients, at the versions scriptd's catalog serves.

A package the catalog (sandbox/catalog.json) lists is taken from sandbox/node_modules, where `npm ci`
installed it under the catalog's npm alias (e.g. `mongodb-3`), so plain Node runs exactly what scriptd
bundles. One it does not list (yet) is `npm install`ed once from the npm registry into
var/peer-packages/ (git-ignored) at the version pinned below, and reused by later runs.
"""

import json
import subprocess
from functools import cache
from pathlib import Path

from scriptd_client.node import SANDBOX_DIR

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "var" / "peer-packages"

# Used for what the catalog does not list; one version per major the tests name.
PINS = {
    "mongodb": ["3.7.4", "4.17.2", "5.9.2", "6.22.0"],
    "aws-sdk": ["2.1693.0"],
    "@aws-sdk/client-cognito-identity-provider": ["3.1178.0"],
    "@aws-sdk/client-dynamodb": ["3.1178.0"],
    "amazon-cognito-identity-js": ["6.3.21"],
    "auth0": ["2.44.1", "3.7.2", "4.37.1"],
    "tedious": ["20.4.0"],
    "oracledb": ["26.0.0"],
    "neo4j-driver": ["5.28.3"],
}


@cache
def _catalog() -> dict:
    try:
        return json.loads((SANDBOX_DIR / "catalog.json").read_text())["packages"]
    except (OSError, ValueError, KeyError):
        return {}


def _pick(versions, major: str | None) -> str:
    matching = [v for v in versions if major is None or v.split(".")[0] == str(major)]
    if not matching:
        raise LookupError(f"no version of major {major} among {versions}")
    return max(matching, key=lambda v: [int(p) if p.isdigit() else 0 for p in v.split("-")[0].split(".")])


def package_dir(name: str, major: str | int | None = None) -> Path:
    """The folder of `name` (its highest version of `major`, or its only one)."""
    listed = _catalog().get(name)
    if listed:
        version = _pick(listed["versions"], major)
        installed = SANDBOX_DIR / "node_modules" / (listed["versions"][version].get("npm") or name)
        if _version(installed) == version:
            return installed
    version = _pick(PINS[name], major)
    target = CACHE / "node_modules" / _alias(name, version)
    if _version(target) != version:
        _install_cache()
    return target


def _alias(name: str, version: str) -> str:
    return f"{name}-{version}"


def _install_cache():
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE / "package.json").write_text(json.dumps({"name": "trickle-peer-packages", "private": True}))
    specs = [f"{_alias(name, v)}@npm:{name}@{v}" for name, versions in PINS.items() for v in versions]
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--save-exact", *specs],
        cwd=CACHE,
        check=True,
        capture_output=True,
        timeout=600,
    )


def _version(folder: Path) -> str | None:
    try:
        return json.loads((folder / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None
