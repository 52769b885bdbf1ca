// The module catalog (catalog.json, plus the operator's additions under var/sandbox-modules): which npm
// packages scripts may require, the exact versions served, and how `require('name@range/sub')` picks
// one. Read by the worker (resolution for the isolates' require), build.mjs and the linter; Django reads
// the same files (scriptd_client/catalog.py). Resolution uses the `semver` package, never hand rules.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const semver = require("semver");

const SANDBOX_DIR = path.resolve(__dirname, "..");
const BASE_FILE = path.join(SANDBOX_DIR, "catalog.json");

class CatalogError extends Error {}

// "mysql2@3/promise" -> { name: "mysql2", range: "3", subpath: "promise" }; scoped names keep their "@".
function parseSpec(spec) {
  const match = /^((?:@[^/@]+\/)?[^/@]+)(?:@([^/]*))?(?:\/(.+))?$/.exec(spec);
  if (!match) return null;
  return { name: match[1], range: match[2] === undefined ? null : match[2], subpath: match[3] || null };
}

// One catalog file: { packages: { name: { default, versions: { "1.2.3": { npm } }, subpaths?, entry?, note? } } }.
// `root` is the folder holding its node_modules and dist (sandbox/, or the additions' folder).
function readCatalogFile(file, root) {
  const data = JSON.parse(fs.readFileSync(file, "utf8"));
  const packages = {};
  for (const [name, pkg] of Object.entries(data.packages || {})) packages[name] = { ...pkg, root };
  return packages;
}

class Catalog {
  // extraDir: the operator's additions (var/sandbox-modules), re-read when its catalog.json changes,
  // so a package added while scriptd runs is served without a restart.
  constructor({ extraDir = null } = {}) {
    this.base = readCatalogFile(BASE_FILE, SANDBOX_DIR);
    this.extraDir = extraDir;
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
    this.extra = stamp === null ? {} : readCatalogFile(file, this.extraDir);
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

  has(name) {
    return Object.hasOwn(this.packages(), name);
  }

  // require(spec) -> { name, version, key, file, note? }; throws CatalogError with the versions served.
  resolve(spec) {
    const parsed = parseSpec(spec);
    const packages = this.packages();
    if (!parsed || !Object.hasOwn(packages, parsed.name)) return null;
    const { name, range, subpath } = parsed;
    const pkg = packages[name];
    const listed = semver.rsort(Object.keys(pkg.versions));
    const available = `the sandbox serves ${name} ${semver.sort([...listed]).join(", ")}`;
    let version;
    let note = null;
    if (range === null || range === "") {
      version = pkg.default;
    } else if (range === "latest") {
      version = listed[0];
    } else if (semver.valid(range)) {
      if (listed.includes(semver.clean(range))) version = semver.clean(range);
      else {
        // An exact pin that is not listed gets the newest listed release of its line (same major; same
        // minor below 1.0, where a minor is a major), and the run's log says so. Never another major.
        const line = semver.major(range) === 0 ? `0.${semver.minor(range)}.x` : `${semver.major(range)}.x`;
        version = semver.maxSatisfying(listed, line);
        if (!version) throw new CatalogError(`Cannot find module '${spec}': ${name} ${range} is not in the catalog, nor any ${line} release; ${available} (pin one of them)`);
        note = `require('${spec}'): ${name} ${range} is not in the catalog; serving ${name} ${version}, its newest ${line} release`;
      }
    } else if (semver.validRange(range)) {
      version = semver.maxSatisfying(listed, range);
      if (!version) throw new CatalogError(`Cannot find module '${spec}': no version of ${name} satisfies ${range}; ${available}`);
    } else {
      throw new CatalogError(`Cannot find module '${spec}': '${range}' is not a version or a semver range; ${available}`);
    }
    const meta = pkg.versions[version];
    // `name/package.json` is served for every version ({ name, version }): scripts read the version that way.
    if (subpath && subpath !== "package.json" && !(meta.subpaths || []).includes(subpath)) {
      const served = (meta.subpaths || []).map((s) => `${name}/${s}`);
      throw new CatalogError(
        `Cannot find module '${spec}': the sandbox serves ${name} ${version} as '${name}'${served.length ? ` and ${served.map((s) => `'${s}'`).join(", ")}` : ""} only`,
      );
    }
    const key = moduleKey(name, version, subpath);
    return { name, version, subpath, key, file: path.join(meta.root, "dist", "modules", `${key}.js`), note };
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

module.exports = { Catalog, CatalogError, parseSpec, moduleKey, SANDBOX_DIR };
