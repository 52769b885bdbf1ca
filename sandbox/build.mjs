// Bundles the modules evaluated inside the isolates into single CommonJS files: Node's built-ins
// (dist/modules/<name>.js, listed in dist/manifest.json) and every version of every catalog package
// (catalog.json: dist/modules/<name>@<version>[/<subpath>].js), from the npm aliases `npm ci` installed.
// `node build.mjs --extra DIR` builds only the operator's additions in DIR (var/sandbox-modules), from
// DIR/catalog.json and DIR/node_modules into DIR/dist (`python manage.py sandbox_modules add`).
// Node built-ins the bundles need at run time (crypto, buffer, util, stream) stay external: the
// isolate's own require serves them, so every module shares the one crypto bridge and Buffer.
import { build } from "esbuild";
import { realpathSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const { Catalog } = createRequire(import.meta.url)("./src/catalog.js");

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "dist");

// Node built-in served inside the isolate -> [entry point, npm package whose version is reported, esbuild options].
// Node's pure-JS built-ins (events, stream, string_decoder, zlib, path) come from their maintained
// browser ports; `stream` is bundled for the browser so readable-stream does not require itself.
const entries = {
  util: ["util/", "util"],
  url: ["./src/isolate/modules/url.js", "whatwg-url"],
  buffer: ["buffer/", "buffer"],
  querystring: ["./src/isolate/modules/querystring.js", "querystring-es3"],
  events: ["events/", "events"],
  stream: ["./src/isolate/modules/stream.js", "readable-stream", { platform: "browser" }],
  string_decoder: ["string_decoder/", "string_decoder"],
  zlib: ["./src/isolate/modules/zlib.js", "browserify-zlib"],
  path: ["path-browserify", "path-browserify"],
  punycode: ["punycode/", "punycode"], // Node's deprecated built-in, still required by node-fetch and request
};
// Node built-ins: served by the isolate's own require (src/isolate/node, the bundles above, the crypto
// bridge), so every package shares one Buffer, one stream and one socket layer.
const external = [
  "assert", "buffer", "crypto", "dns", "dns/promises", "events", "fs", "http", "https", "net", "os", "path",
  "process", "querystring", "stream", "string_decoder", "timers", "timers/promises", "tls", "url", "util",
  "util/types", "zlib", "http2", "punycode", "pg-native", "pg-cloudflare", "encoding", "debug",
  // Optional native or cloud add-ons the drivers try to require and do without (mongodb's compression,
  // Kerberos, client-side encryption, AWS auth): they fail with MODULE_NOT_FOUND in the isolate, as
  // when they are not installed next to the driver in Node.
  "kerberos", "snappy", "bson-ext", "mongodb-client-encryption", "@mongodb-js/zstd", "@mongodb-js/kerberos",
  "gcp-metadata", "@aws-sdk/credential-providers", "mongodb-extjson", "supports-color",
  "superagent-proxy", // auth0 2.x (rest-facade), only with a proxy setting
];

async function installedVersion(pkg, root = here) {
  if (!pkg) return null;
  try {
    return JSON.parse(await readFile(join(root, "node_modules", pkg, "package.json"), "utf8")).version;
  } catch {
    return null; // not installed
  }
}

const options = (name) => ({
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "es2022",
  minify: true,
  // Packages dispatch on function names (mysql: sequence[Packet.name]): minify must keep them.
  keepNames: true,
  legalComments: "none",
  // A bundle must not pull itself in as "buffer"/"util" external when it *is* that module.
  external: external.filter((e) => e !== name),
  logLevel: "warning",
});

// Entered through require() so packages resolve to their CommonJS builds, the shape Node's require()
// gives scripts (plain, patchable export objects).
const stdin = (entry, resolveDir) => ({ contents: `module.exports = require(${JSON.stringify(entry)});`, resolveDir, loader: "js" });

// Helper packages that need Node's `module`, replaced by isolate versions in every catalog bundle.
const shims = { "optional-require": join(here, "src", "isolate", "packages", "optional-require.js") };

// A catalog bundle is made of files under its own root (its node_modules) and the shims only: a package
// whose code requires a file elsewhere (`require('/etc/x.json')`, `../../../secret.json`) would otherwise
// have the host's file copied into a bundle every script can read. esbuild hands onLoad real paths, so a
// symbolic link out of the folder is caught too.
function confinedTo(root) {
  const allowed = [realpathSync(root), realpathSync(join(here, "src", "isolate", "packages"))];
  return {
    name: "confined",
    setup(b) {
      b.onLoad({ filter: /.*/ }, ({ path, namespace }) => {
        if (namespace !== "file" || allowed.some((dir) => path.startsWith(dir + sep))) return undefined;
        return { errors: [{ text: `${path} is outside the package's folder (${allowed[0]}): a bundle may not include it` }] };
      });
    },
  };
}

// One catalog bundle: the version installed under its npm alias must be the catalog's, or the build fails.
async function buildCatalogBundle({ name, version, subpath, key, npm, root, entry }) {
  const installed = await installedVersion(npm, root);
  if (installed !== version) {
    throw new Error(`catalog: ${name} ${version} is installed as "${npm}" but ${join(root, "node_modules", npm)} is ${installed}; run npm ci (or fix package.json)`);
  }
  const target = entry || `${npm}${subpath ? `/${subpath}` : ""}`;
  await build({
    absWorkingDir: root,
    stdin: stdin(target, root),
    outfile: join(root, "dist", "modules", `${key}.js`),
    ...options(name),
    plugins: [confinedTo(root)],
    alias: {
      ...shims,
      // A wrapper (src/isolate/packages) requires the package by its own name: point that at this version.
      ...(entry && npm !== name ? { [name]: npm } : {}),
    },
  });
}

// esbuild runs builds on its own threads: a few at a time keeps the machine usable. Every failure is
// reported (first lines of each, esbuild's own message) before the build fails, not only the first.
async function buildCatalogBundles(bundles, where) {
  const failed = [];
  for (let i = 0; i < bundles.length; i += 4) {
    const results = await Promise.allSettled(bundles.slice(i, i + 4).map(buildCatalogBundle));
    results.forEach((r, j) => r.status === "rejected" && failed.push(`${bundles[i + j].key}: ${r.reason.message.split("\n").slice(0, 3).join(" ")}`));
  }
  if (failed.length) {
    console.error(`scriptd: ${failed.length} catalog bundles failed (${where}):\n  ${failed.join("\n  ")}`);
    process.exit(1);
  }
}

const extraFlag = process.argv.indexOf("--extra");
const extraDir = extraFlag > 0 ? resolve(process.argv[extraFlag + 1]) : null;
const catalog = new Catalog({ extraDir, includePending: true });
if (extraDir) {
  const bundles = catalog.bundles({ only: extraDir });
  await buildCatalogBundles(bundles, extraDir);
  console.log(`scriptd: bundled ${bundles.length} added modules into ${join(extraDir, "dist")}`);
  process.exit(0);
}

await mkdir(join(out, "modules"), { recursive: true });
const manifest = {};
for (const [name, [entry, pkg, extra]] of Object.entries(entries)) {
  await build({ absWorkingDir: here, stdin: stdin(entry, here), outfile: join(out, "modules", `${name}.js`), ...options(name), ...extra });
  manifest[name] = { version: await installedVersion(pkg) };
}
const bundles = catalog.bundles({ only: here });
await buildCatalogBundles(bundles, here);
await writeFile(join(out, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
console.log(`scriptd: bundled ${Object.keys(manifest).length} built-in modules and ${bundles.length} catalog bundles into ${out}`);
