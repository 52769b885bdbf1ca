// How `require('name@range/sub')` picks a catalog version: the one rule, shared by scriptd's host
// (src/catalog.js) and the linter (lint/rules.js, also bundled into the editor, so no Node APIs here).
// Exact `x@1.2.3` when listed; an exact pin that is not listed gets the newest listed release of its
// line (same major; same minor below 1.0), with a note for the run's log; ranges get the newest listed
// version satisfying them; a bare name the catalog's default. Never another major. Uses npm's semver.
"use strict";
const semver = require("semver");

class CatalogError extends Error {}

// "mysql2@3/promise" -> { name: "mysql2", range: "3", subpath: "promise" }; scoped names keep their "@".
function parseSpec(spec) {
  const match = /^((?:@[^/@]+\/)?[^/@]+)(?:@([^/]*))?(?:\/(.+))?$/.exec(spec);
  if (!match) return null;
  return { name: match[1], range: match[2] === undefined ? null : match[2], subpath: match[3] || null };
}

// pkg: { default, versions: [...], subpaths?: [...] } (subpaths of the version picked: subpathsOf(version)).
// Returns { version, note }; throws CatalogError naming the versions served.
function pickVersion(spec, { name, range, subpath }, { default: fallback, versions, subpathsOf }) {
  const listed = semver.rsort([...versions]);
  const available = `the sandbox serves ${name} ${semver.sort([...listed]).join(", ")}`;
  let version;
  let note = null;
  if (range === null || range === "") {
    version = fallback;
  } else if (range === "latest") {
    version = listed[0];
  } else if (semver.valid(range)) {
    version = semver.clean(range);
    if (!listed.includes(version)) {
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
  const subpaths = subpathsOf(version) || [];
  // `name/package.json` is served for every version ({ name, version }): scripts read the version that way.
  if (subpath && subpath !== "package.json" && !subpaths.includes(subpath)) {
    const served = subpaths.map((s) => `'${name}/${s}'`);
    throw new CatalogError(`Cannot find module '${spec}': the sandbox serves ${name} ${version} as '${name}'${served.length ? ` and ${served.join(", ")}` : ""} only`);
  }
  return { version, note };
}

module.exports = { CatalogError, parseSpec, pickVersion };
