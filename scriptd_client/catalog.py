"""The sandbox's module catalog, as Django shows it: which npm packages scripts may require and the
exact versions served (sandbox/catalog.json, plus the operator's additions in
settings.SANDBOX_MODULES_DIR/catalog.json), and Node's built-ins (sandbox/allowlist.json).

scriptd owns these files and resolves `require('name@range')` itself (sandbox/src/catalog-resolve.js,
with npm's `semver`); Django only reads them for the "Can I require?" page, the API and the linter.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings

from scriptd_client.node import SANDBOX_DIR

CATALOG_FILE = SANDBOX_DIR / "catalog.json"
ALLOWLIST_FILE = SANDBOX_DIR / "allowlist.json"


def version_key(version: str) -> tuple:
    """Sort key for the catalog's exact versions (x.y.z, maybe with a prerelease after '-')."""
    core, _, pre = version.partition("-")
    return (*(int(p) if p.isdigit() else 0 for p in core.split(".")), pre == "", pre)


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text()).get("packages", {})
    except FileNotFoundError:
        return {}


def additions_file() -> Path:
    return Path(settings.SANDBOX_MODULES_DIR) / "catalog.json"


def packages() -> dict[str, dict]:
    """name -> {"default", "versions" (ascending), "note", "subpaths", "added" (versions an operator
    added)}, sorted by name."""

    def entry_of(pkg: dict, versions: list[str]) -> dict:
        return {
            "default": pkg["default"],
            "versions": versions,
            "note": pkg.get("note", ""),
            "subpaths": pkg.get("subpaths", []),
            "added": [],
        }

    merged = {name: entry_of(pkg, list(pkg["versions"])) for name, pkg in _read(CATALOG_FILE).items()}
    for name, pkg in _read(additions_file()).items():
        entry = merged.setdefault(name, entry_of(pkg, []))
        for version in pkg["versions"]:
            if version not in entry["versions"]:
                entry["versions"].append(version)
                entry["added"].append(version)
    for entry in merged.values():
        entry["versions"].sort(key=version_key)
    return dict(sorted(merged.items()))


def builtins() -> dict:
    """Node's built-ins and the host bridges scripts may require ({"modules", "refused"}), from allowlist.json."""
    data = json.loads(ALLOWLIST_FILE.read_text())
    return {"modules": data["modules"], "aliases": data.get("aliases", {}), "refused": data.get("refused", {})}


def listing() -> dict:
    """What the "Can I require?" page and GET /api/v2/sandbox/modules show: one source, these files."""
    mods = builtins()
    return {
        "packages": [
            {
                "name": name,
                "default": pkg["default"],
                "versions": pkg["versions"],
                "added": pkg["added"],
                "subpaths": pkg["subpaths"],
                "note": pkg["note"],
                "pin": f"require('{name}@{pkg['default']}')",
            }
            for name, pkg in packages().items()
        ],
        "builtins": [
            {"name": name, "kind": meta["kind"], "note": meta.get("note", "")}
            for name, meta in sorted(mods["modules"].items())
        ],
        "refused": [{"name": name, "reason": reason} for name, reason in sorted(mods["refused"].items())],
    }
