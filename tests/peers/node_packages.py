"""The real npm packages the peer tests drive in plain Node (no sandbox): each major of `mongodb` and
the AWS, Auth0 and database clients, at the versions scriptd's catalog serves.

They are taken from sandbox/node_modules when the catalog installed them there (its npm aliases,
e.g. `mongodb@3` as `mongodb-3`); otherwise `npm install`ed once from the npm registry into
var/peer-packages/ (git-ignored) with the exact versions below, and reused by later runs.
"""

import json
import subprocess
from pathlib import Path

from scriptd_client.node import SANDBOX_DIR

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "var" / "peer-packages"

# alias -> exact version, the ones the tests name.
PACKAGES = {
    "mongodb3": "mongodb@3.7.4",
    "mongodb4": "mongodb@4.17.2",
    "mongodb5": "mongodb@5.9.2",
    "mongodb6": "mongodb@6.10.0",
    "aws-sdk": "aws-sdk@2.1693.0",
    "@aws-sdk/client-cognito-identity-provider": "@aws-sdk/client-cognito-identity-provider@3.1178.0",
    "@aws-sdk/client-dynamodb": "@aws-sdk/client-dynamodb@3.1178.0",
    "amazon-cognito-identity-js": "amazon-cognito-identity-js@6.3.21",
    "auth0-2": "auth0@2.44.1",
    "auth0-3": "auth0@3.7.2",
    "auth0-4": "auth0@4.37.1",
    "tedious": "tedious@18.6.1",
    "oracledb": "oracledb@6.10.0",
    "neo4j-driver": "neo4j-driver@5.28.3",
}


def _spec(alias: str, package: str) -> str:
    name = package.rsplit("@", 1)[0]
    return package if alias == name else f"{alias}@npm:{package}"


def package_dir(alias: str) -> Path:
    """The folder of one package, installing the whole set into the cache the first time."""
    catalog = SANDBOX_DIR / "node_modules" / alias
    if catalog.exists() and _version(catalog) == PACKAGES[alias].rsplit("@", 1)[1]:
        return catalog
    target = CACHE / "node_modules" / alias
    if not target.exists() or _version(target) != PACKAGES[alias].rsplit("@", 1)[1]:
        CACHE.mkdir(parents=True, exist_ok=True)
        (CACHE / "package.json").write_text(json.dumps({"name": "trickle-peer-packages", "private": True}))
        specs = [_spec(a, p) for a, p in PACKAGES.items()]
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--save-exact", *specs],
            cwd=CACHE,
            check=True,
            capture_output=True,
            timeout=600,
        )
    return target


def _version(folder: Path) -> str | None:
    try:
        return json.loads((folder / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None
