// Sources of the modules evaluated inside isolates, read once per worker: the bundles built by
// build.mjs (dist/modules), the isolate sides of bridges (src/isolate/<name>.js) and the Node
// built-ins written for the isolate (src/isolate/node/<name>.js, "+" in a file name for "/":
// dns+promises.js is `dns/promises`). Bridge sides and built-ins get `bridge` as a wrapper argument.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const root = path.join(__dirname, "..", "..");
const allowlist = JSON.parse(fs.readFileSync(path.join(root, "allowlist.json"), "utf8"));
const manifestPath = path.join(root, "dist", "manifest.json");

function loadSources() {
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
  return { sources, versions, bridged };
}

module.exports = { allowlist, loadSources };
