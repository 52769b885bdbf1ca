// The module catalog (catalog.json, plus the operator's additions under var/sandbox-modules): which npm
// packages scripts may require, the exact versions served, and how `require('name@range/sub')` picks
// one. Read by the worker (resolution for the isolates' require), build.mjs and the lint CLI; Django
// reads the same files (scriptd_client/catalog.py). The version rule is src/catalog-resolve.js.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const semver = require("semver");
const { parseSpec, pickVersion } = require("./catalog-resolve");

const SANDBOX_DIR = path.resolve(__dirname, "..");
const BASE_FILE = path.join(SANDBOX_DIR, "catalog.json");

// One catalog file: { packages: { name: { default, versions: { "1.2.3": { npm } }, subpaths?, entry?, note? } } }.
// `root` is the folder holding its node_modules and dist (sandbox/, or the additions' folder).
// A version marked "pending" (being checked by `sandbox_modules add`) is served only with includePending.
function readCatalogFile(file, root, { includePending = false } = {}) {
  const data = JSON.parse(fs.readFileSync(file, "utf8"));
  const packages = {};
  for (const [name, pkg] of Object.entries(data.packages || {})) {
    const versions = Object.fromEntries(Object.entries(pkg.versions || {}).filter(([, meta]) => includePending || !meta.pending));
    if (Object.keys(versions).length) packages[name] = { ...pkg, versions, root };
  }
  return packages;
}

class Catalog {
  // extraDir: the operator's additions (var/sandbox-modules), re-read when its catalog.json changes,
  // so a package added while scriptd runs is served without a restart.
  constructor({ extraDir = null, includePending = false } = {}) {
    this.base = readCatalogFile(BASE_FILE, SANDBOX_DIR);
    this.extraDir = extraDir;
    this.includePending = includePending;
    this.extraStamp = null;
    this.extra = {};
    this.refresh();
  }

  refresh() {
    if (!this.extraDir) return;
    const file = path.join(this.extraDir, "catalog.json");
    let stamp;
    try {
      stamp = fs.statSync(file).mtimeMs;
    } catch {
      stamp = null; // no additions
    }
    if (stamp === this.extraStamp) return;
    this.extraStamp = stamp;
    this.extra = stamp === null ? {} : readCatalogFile(file, this.extraDir, { includePending: this.includePending });
  }

  // Every package, the additions' versions merged into the base's (an addition never replaces a base version).
  packages() {
    this.refresh();
    const merged = {};
    for (const [name, pkg] of Object.entries(this.base)) merged[name] = { ...pkg, versions: { ...pkg.versions } };
    for (const [name, pkg] of Object.entries(this.extra)) {
      if (!merged[name]) merged[name] = { ...pkg, versions: {} };
      for (const [version, meta] of Object.entries(pkg.versions || {})) {
        if (!merged[name].versions[version]) merged[name].versions[version] = { ...meta, root: pkg.root, subpaths: pkg.subpaths, entry: pkg.entry };
      }
    }
    for (const pkg of Object.values(merged)) {
      for (const meta of Object.values(pkg.versions)) {
        meta.root = meta.root || pkg.root;
        if (!("subpaths" in meta)) meta.subpaths = pkg.subpaths;
        if (!("entry" in meta)) meta.entry = pkg.entry;
      }
    }
    return merged;
  }

  // require(spec) -> { name, version, key, file, note? }, or null for a name the catalog does not have;
  // throws CatalogError naming the versions served (src/catalog-resolve.js).
  resolve(spec) {
    const parsed = parseSpec(spec);
    const packages = this.packages();
    if (!parsed || !Object.hasOwn(packages, parsed.name)) return null;
    const pkg = packages[parsed.name];
    const { version, note } = pickVersion(spec, parsed, {
      default: pkg.default,
      versions: Object.keys(pkg.versions),
      subpathsOf: (v) => pkg.versions[v].subpaths,
    });
    const { name, subpath } = parsed;
    const key = moduleKey(name, version, subpath);
    return { name, version, subpath, key, file: path.join(pkg.versions[version].root, "dist", "modules", `${key}.js`), note };
  }

  // Every bundle to build: [{ name, version, subpath, key, npm, root, entry }].
  bundles({ only = null } = {}) {
    const out = [];
    for (const [name, pkg] of Object.entries(this.packages())) {
      for (const [version, meta] of Object.entries(pkg.versions)) {
        if (only && meta.root !== only) continue;
        for (const subpath of [null, ...(meta.subpaths || [])]) {
          out.push({ name, version, subpath, key: moduleKey(name, version, subpath), npm: meta.npm, root: meta.root, entry: meta.entry });
        }
      }
    }
    return out;
  }

  // The listing Django and the linter show: name -> { default, versions, note, subpaths, added }.
  describe() {
    const out = {};
    for (const [name, pkg] of Object.entries(this.packages())) {
      out[name] = {
        default: pkg.default,
        versions: semver.sort(Object.keys(pkg.versions)),
        note: pkg.note || "",
        subpaths: pkg.subpaths || [],
      };
    }
    return out;
  }
}

function moduleKey(name, version, subpath) {
  return `${name}@${version}${subpath ? `/${subpath}` : ""}`;
}

module.exports = { Catalog };
