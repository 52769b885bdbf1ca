#!/usr/bin/env node
// Lint CLI for Django's save validation: JSON on stdin, JSON on stdout, exit 0 when it could lint.
//
//   stdin:  {"scripts": {"login": "..."}, "specs": [...], "allowlist": {...}?, "sizeFindingBytes": N?}
//   stdout: {"syntaxErrors": [...], "findings": [...]}      (see index.js for the fields)
//
// Without "allowlist" it reads ../allowlist.json and ../catalog.json, the files scriptd serves by;
// Django passes both (with the operator's additions) as "allowlist". Exit 2 means bad input.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const { lintScripts } = require("./index");
const { Catalog } = require("../src/catalog");

// allowlist.json plus the module catalog (catalog.json; the operator's additions only when Django passes them).
function readAllowlist() {
  const file = path.join(__dirname, "..", "allowlist.json");
  const allowlist = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : { modules: {}, aliases: {} };
  return { ...allowlist, catalog: new Catalog().describe() };
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  let request;
  try {
    request = JSON.parse(input);
    if (!request || typeof request.scripts !== "object") throw new Error('expected {"scripts": {...}}');
  } catch (error) {
    process.stderr.write(`lint: bad input: ${error.message}\n`);
    process.exit(2);
  }
  const result = lintScripts({ ...request, allowlist: request.allowlist || readAllowlist() });
  process.stdout.write(JSON.stringify(result));
});
