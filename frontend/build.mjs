// Bundles every entry in src/ and copies package assets into ../static/build/, which whitenoise serves.
import { build } from "esbuild";
import { cpSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "static", "build");
mkdirSync(out, { recursive: true });

const entries = readdirSync(join(here, "src")).filter((f) => f.endsWith(".js")).map((f) => join(here, "src", f));
await build({ entryPoints: entries, bundle: true, minify: true, format: "iife", target: "es2020", outdir: out, logLevel: "warning" });

// Source maps come along: the manifest storage checks every file a bundle references.
for (const file of ["css/bootstrap.min.css", "css/bootstrap.min.css.map", "js/bootstrap.bundle.min.js",
  "js/bootstrap.bundle.min.js.map"]) {
  cpSync(join(here, "node_modules/bootstrap/dist", file), join(out, file.split("/")[1]));
}
cpSync(join(here, "node_modules/bootstrap-icons/font"), join(out, "bootstrap-icons"), { recursive: true });
console.log(`built ${entries.length} bundle(s) into ${out}`);
