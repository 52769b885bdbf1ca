// Sources of the modules evaluated inside isolates. Read once per worker: the Node built-ins bundled by
// build.mjs (dist/modules, dist/manifest.json), the isolate sides of bridges (src/isolate/<name>.js) and
// the built-ins written for the isolate (src/isolate/node/<name>.js, "+" in a file name for "/":
// dns+promises.js is `dns/promises`). Bridge sides and built-ins get `bridge` as a wrapper argument.
// Catalog packages (catalog.json and the operator's additions) are read from disk on their first
// require in an isolate, never kept: a worker holds only the V8 code cache of those it served.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { Catalog } = require("../catalog");

const root = path.join(__dirname, "..", "..");
const allowlist = JSON.parse(fs.readFileSync(path.join(root, "allowlist.json"), "utf8"));
const manifestPath = path.join(root, "dist", "manifest.json");

function loadSources({ extraDir = null, includePending = false } = {}) {
  if (!fs.existsSync(manifestPath)) {
    throw new Error(`${manifestPath} is missing: run 'npm run build' in sandbox/ (make does it)`);
  }
  const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
  const sources = new Map();
  for (const name of Object.keys(manifest)) {
    sources.set(name, fs.readFileSync(path.join(root, "dist", "modules", `${name}.js`), "utf8"));
  }
  const bridges = Object.keys(allowlist.modules).filter((name) => allowlist.modules[name].kind === "bridge");
  for (const name of bridges) sources.set(name, fs.readFileSync(path.join(root, "src", "isolate", `${name}.js`), "utf8"));
  const bridged = [...bridges];
  const nodeDir = path.join(root, "src", "isolate", "node");
  for (const file of fs.readdirSync(nodeDir).filter((f) => f.endsWith(".js"))) {
    const name = file.slice(0, -3).replace(/\+/g, "/");
    sources.set(name, fs.readFileSync(path.join(nodeDir, file), "utf8"));
    bridged.push(name);
  }
  const versions = {};
  for (const [name, meta] of Object.entries(manifest)) versions[name] = meta.version;
  // A bridge served by the npm package of its name in the host (bcrypt) reports that package's version.
  for (const name of bridges) {
    const meta = path.join(root, "node_modules", name, "package.json");
    if (!versions[name] && fs.existsSync(meta)) versions[name] = JSON.parse(fs.readFileSync(meta, "utf8")).version;
  }
  const catalog = new Catalog({ extraDir, includePending });
  const resolved = new Map(); // module key -> { file } or { source }, filled by resolve()
  // require(spec) of a catalog package, answered for the isolate: { key, version, note }, { error }, or
  // { unknown, packages } for a name the catalog does not have (the isolate then says what it serves).
  function resolve(spec) {
    let found;
    try {
      found = catalog.resolve(spec);
    } catch (e) {
      return { error: e.message };
    }
    if (!found) return { unknown: true, packages: Object.keys(catalog.packages()).sort() };
    if (found.subpath === "package.json") {
      resolved.set(found.key, { source: `module.exports = ${JSON.stringify({ name: found.name, version: found.version })};` });
      return { key: found.key, version: found.version, note: found.note };
    }
    if (!fs.existsSync(found.file)) {
      return { error: `Cannot find module '${spec}': ${found.name} ${found.version} is in the catalog but its bundle ${found.file} is missing (run 'npm ci && npm run build' in sandbox/)` };
    }
    resolved.set(found.key, { file: found.file });
    return { key: found.key, version: found.version, note: found.note };
  }
  function source(name) {
    if (sources.has(name)) return sources.get(name);
    const found = resolved.get(name);
    if (!found) return undefined;
    return found.source ?? fs.readFileSync(found.file, "utf8");
  }
  return { source, resolve, versions, bridged };
}

module.exports = { allowlist, loadSources };
