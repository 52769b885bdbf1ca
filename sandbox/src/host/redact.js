// Masks secrets in text that leaves the sandbox: the password arguments of a run and every
// configuration value, also in the escaped forms JSON.stringify and util.inspect print them in.
"use strict";

const MASK = "********";

// Which arguments of each script kind carry a password (the spec's signatures).
function passwordsOf(kind, args) {
  if (kind === "login" || kind === "change_password") return [args[1]];
  if (kind === "create") return [args[0] && args[0].password];
  return [];
}

function configurationValues(value, out = []) {
  if (value === null || value === undefined) return out;
  if (typeof value === "object") for (const v of Object.values(value)) configurationValues(v, out);
  else out.push(String(value));
  return out;
}

function makeRedactor({ kind, args, configuration }) {
  const secrets = new Set();
  for (const secret of [...passwordsOf(kind, args || []), ...configurationValues(configuration)]) {
    if (typeof secret !== "string" || secret === "") continue;
    secrets.add(secret);
    secrets.add(JSON.stringify(secret).slice(1, -1));
    secrets.add(secret.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n"));
  }
  // Longest first, so a secret that contains a shorter one is masked whole.
  const ordered = [...secrets].sort((a, b) => b.length - a.length);
  if (ordered.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const secret of ordered) if (out.includes(secret)) out = out.split(secret).join(MASK);
    return out;
  };
}

module.exports = { makeRedactor, MASK };
