// Masks secrets in text that leaves the sandbox: the password arguments of a run and every
// configuration value, also in the escaped forms JSON.stringify and util.inspect print them in.
"use strict";

const MASK = "********";

// The arguments that carry a password, where the request's password_paths say: [index] or [index, key].
function passwordsOf(paths, args) {
  if (!Array.isArray(paths)) return [];
  const at = (path) => (Array.isArray(path) ? path.reduce((v, key) => (v !== null && typeof v === "object" ? v[key] : undefined), args) : undefined);
  return paths.map(at);
}

function configurationValues(value, out = []) {
  if (value === null || value === undefined) return out;
  if (typeof value === "object") for (const v of Object.values(value)) configurationValues(v, out);
  else out.push(String(value));
  return out;
}

// Every form in which each secret is masked: as given, JSON-escaped and util.inspect-escaped.
function secretForms({ password_paths, args, configuration }) {
  const secrets = new Set();
  for (const secret of [...passwordsOf(password_paths, args || []), ...configurationValues(configuration)]) {
    if (typeof secret !== "string" || secret === "") continue;
    secrets.add(secret);
    secrets.add(JSON.stringify(secret).slice(1, -1));
    secrets.add(secret.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n"));
  }
  return secrets;
}

// For text (log lines, error messages): every occurrence of a secret inside the text is masked.
function makeRedactor(request) {
  // Longest first, so a secret that contains a shorter one is masked whole.
  const ordered = [...secretForms(request)].sort((a, b) => b.length - a.length);
  if (ordered.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const secret of ordered) if (out.includes(secret)) out = out.split(secret).join(MASK);
    return out;
  };
}

// For the strings of a result value: a string that *is* a secret is masked. Not substrings: the value
// is data the caller uses (a login's profile becomes the user's), and configuration values are often
// short, ordinary words ("postgres", "root", "3306") that legitimately occur inside profile fields.
function makeExactRedactor(request) {
  const secrets = secretForms(request);
  return (text) => (secrets.has(text) ? MASK : text);
}

module.exports = { makeRedactor, makeExactRedactor, MASK };
