// Bundles the pure-JS modules that scripts may `require` into single CommonJS files evaluated inside
// the isolates (dist/modules/<name>.js), and writes dist/manifest.json with their versions.
// Node built-ins the bundles need at run time (crypto, buffer, util, stream) stay external: the
// isolate's own require serves them, so every module shares the one crypto bridge and Buffer.
import { build } from "esbuild";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "dist");

// name served inside the isolate -> [entry point, npm package whose version is reported, esbuild options].
// Node's pure-JS built-ins (events, stream, string_decoder, zlib, path) come from their maintained
// browser ports; `stream` is bundled for the browser so readable-stream does not require itself.
const entries = {
  bcryptjs: ["bcryptjs", "bcryptjs"],
  jsonwebtoken: ["jsonwebtoken", "jsonwebtoken"],
  "jwt-decode": ["jwt-decode", "jwt-decode"],
  lodash: ["lodash", "lodash"],
  uuid: ["uuid", "uuid"],
  qs: ["qs", "qs"],
  util: ["util/", "util"],
  url: ["./src/isolate/modules/url.js", "whatwg-url"],
  buffer: ["buffer/", "buffer"],
  querystring: ["querystring-es3", "querystring-es3"],
  events: ["events/", "events"],
  stream: ["./src/isolate/modules/stream.js", "readable-stream", { platform: "browser" }],
  string_decoder: ["string_decoder/", "string_decoder"],
  zlib: ["./src/isolate/modules/zlib.js", "browserify-zlib"],
  path: ["path-browserify", "path-browserify"],
  punycode: ["punycode/", "punycode"], // Node's deprecated built-in, still required by node-fetch and request
  // Real drivers, run inside the isolate over the net/tls bridges (src/isolate/node).
  pg: ["./src/isolate/packages/pg.js", "pg"],
  mysql: ["mysql", "mysql"],
  mysql2: ["mysql2", "mysql2"],
  "mysql2/promise": ["mysql2/promise", "mysql2"],
  axios: ["axios", "axios"],
  request: ["request", "request"],
  "node-fetch": ["node-fetch", "node-fetch"],
};
// Node built-ins: served by the isolate's own require (src/isolate/node, the bundles above, the crypto
// bridge), so every package shares one Buffer, one stream and one socket layer.
const external = [
  "assert", "buffer", "crypto", "dns", "dns/promises", "events", "fs", "http", "https", "net", "os", "path",
  "process", "querystring", "stream", "string_decoder", "timers", "timers/promises", "tls", "url", "util",
  "util/types", "zlib", "http2", "punycode", "pg-native", "pg-cloudflare", "encoding", "debug",
];

async function version(pkg) {
  if (!pkg) return null;
  const meta = JSON.parse(await readFile(join(here, "node_modules", pkg, "package.json"), "utf8"));
  return meta.version;
}

await mkdir(join(out, "modules"), { recursive: true });
const manifest = {};
for (const [name, [entry, pkg, options]] of Object.entries(entries)) {
  await build({
    absWorkingDir: here,
    // Entered through require() so packages resolve to their CommonJS builds, the shape Node's
    // require() gives scripts (plain, patchable export objects).
    stdin: { contents: `module.exports = require(${JSON.stringify(entry)});`, resolveDir: here, loader: "js" },
    outfile: join(out, "modules", `${name}.js`),
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
    ...options,
  });
  manifest[name] = { version: await version(pkg) };
}
await writeFile(join(out, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
console.log(`scriptd: bundled ${Object.keys(manifest).length} modules into ${out}`);
