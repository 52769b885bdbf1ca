// The lint rules: the best-practice checklist of custom-db-spec.md section 7 turned into findings.
// Each rule gets the script's context and calls `add(rule, node, message)`; severities and the
// one-line "why" live in RULES so the editor and the API explain every finding the same way.
"use strict";

const { walk, isFunction, propertyName, memberName, calleeName, stringValue } = require("./ast");
const { findDoubleCalls } = require("./callback-flow");
const { parseSpec, pickVersion } = require("../src/catalog-resolve");
const semver = require("semver");

const RULES = {
  "size": ["warning", "Scripts above 100 kB slow every run down (Auth0's guidance); move bulk behind an API."],
  "no-function": ["error", "The runtime calls the script's function; without one there is nothing to run."],
  "anonymous-function": ["warning", "Give the function a name: anonymous functions make stack traces and logs hard to read."],
  "signature": ["warning", "The runtime passes arguments by position, so a missing or extra parameter shifts callback."],
  "no-callback": ["error", "A script that never calls callback stalls until the time limit, and the login fails."],
  "callback-twice": ["warning", "Call callback exactly once and return right away; a second call is ignored and hides a bug."],
  "random-user-id": ["error", "A random user_id makes every login a new user: keep it stable and prefixed with the connection name."],
  "missing-user-id": ["warning", "Every returned profile needs a stable user_id, prefixed with the connection name."],
  "app-metadata": ["info", "Return app metadata as `metadata`; Trickle maps it to app_metadata, which later merges keep."],
  "hardcoded-secret": ["warning", "Secrets in code end up in revisions, diffs and exports; read them from configuration."],
  "delete-in-login": ["warning", "Never delete the legacy user inside login: the user is created after login returns; use a separate job."],
  "logs-password": ["error", "Logs are stored and shown to admins: never log a password, not even while debugging."],
  "require-not-allowed": ["error", "The sandbox serves Node's built-ins and the packages of its module catalog (the \"Can I require?\" page); anything else fails when the script runs."],
  "require-version-unavailable": ["error", "The catalog has no version of this package that satisfies the pin, so this require fails when the script runs."],
  "require-version-substituted": ["info", "This exact version is not in the catalog: the newest release of the same line is served, and each run's log says so."],
  "missing-configuration": ["warning", "A key the connection lacks reads as undefined when the script runs; add it on the Configuration page (values stay encrypted)."],
  "dynamic-require": ["info", "A require with a computed name cannot be checked against the sandbox's module catalog."],
};

const RANDOM_CALLS = /^(uuid|uuidv[1-7]|v[1-7]|randomUUID|randomBytes|nanoid|random)$/;
const SECRET_NAME = /(^|_|-)(pass(word)?|pwd|secret|token|api_?key|apikey|private_?key|client_?secret)$/i;
const SECRET_VALUES = [
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:[^\s/@]+@/i, "a connection URL with a password"],
  [/(^|;)\s*(password|pwd)\s*=\s*[^;\s]+/i, "a connection string with a password"],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a private key"],
  [/\bAKIA[0-9A-Z]{16}\b/, "an AWS access key"],
  [/\beyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{10,}/, "a JSON Web Token"],
  [/\b(sk_live_|ghp_|github_pat_|xox[abp]-)[\w-]{10,}/, "an API token"],
  [/^Bearer\s+[\w\-.~+/]{16,}=*$/, "a bearer token"],
];
const DELETE_METHODS = new Set(["deleteOne", "deleteMany", "findOneAndDelete", "findByIdAndDelete", "destroy"]);
const HTTP_CLIENTS = /^(axios|request|got|superagent|fetch|http|https|api|client)$/i;
const CONSOLE_METHODS = new Set(["log", "info", "warn", "error", "debug", "trace", "dir"]);

function isRandomCall(node) {
  if (node.type !== "CallExpression") return false;
  const callee = node.callee;
  if (callee.type === "MemberExpression" && callee.object.type === "Identifier" && callee.object.name === "Math") {
    return memberName(callee) === "random";
  }
  return RANDOM_CALLS.test(calleeName(node) || "");
}

function containsNode(root, predicate) {
  let found = false;
  walk(root, (node) => {
    if (found) return false;
    if (predicate(node)) found = true;
    return !found;
  });
  return found;
}

function userIdRules({ root, add }) {
  // Names assigned a random value anywhere in the script taint what they later feed.
  const tainted = new Set();
  const isRandom = (node) => containsNode(node, (n) => isRandomCall(n) || (n.type === "Identifier" && tainted.has(n.name)));
  walk(root, (node) => {
    if (node.type === "VariableDeclarator" && node.id.type === "Identifier" && node.init && isRandom(node.init)) tainted.add(node.id.name);
    if (node.type === "AssignmentExpression" && node.left.type === "Identifier" && isRandom(node.right)) tainted.add(node.left.name);
  });
  walk(root, (node) => {
    const isUserIdProperty = node.type === "Property" && propertyName(node.key) === "user_id" && !node.computed;
    const isUserIdAssignment = node.type === "AssignmentExpression" && memberName(node.left) === "user_id";
    const value = isUserIdProperty ? node.value : isUserIdAssignment ? node.right : null;
    if (value && isRandom(value)) add("random-user-id", value, "user_id is built from a random value (Math.random, uuid, randomBytes …).");
  });
}

function profileRules({ root, callbackName, add }) {
  walk(root, (node) => {
    if (node.type === "CallExpression" && node.callee.type === "Identifier" && node.callee.name === callbackName) {
      const profile = node.arguments[1];
      if (profile && profile.type === "ObjectExpression") {
        const keys = profile.properties.map((p) => (p.type === "Property" ? propertyName(p.key) : "..."));
        if (!keys.includes("user_id") && !keys.includes("id") && !keys.includes("...")) {
          add("missing-user-id", profile, "This profile has no user_id.");
        }
      }
    }
    const key = node.type === "Property" ? propertyName(node.key) : node.type === "AssignmentExpression" ? memberName(node.left) : null;
    if (key === "app_metadata") add("app-metadata", node, "app_metadata is returned where `metadata` is expected.");
  });
}

function secretRules({ root, add }) {
  const reported = new Set();
  const flag = (node, message) => {
    if (reported.has(node.start)) return;
    reported.add(node.start);
    add("hardcoded-secret", node, message);
  };
  walk(root, (node) => {
    const text = stringValue(node);
    if (text !== null) {
      const match = SECRET_VALUES.find(([pattern]) => pattern.test(text));
      if (match) flag(node, `This string looks like ${match[1]}; move it to configuration.`);
    }
    let name = null;
    let value = null;
    if (node.type === "Property" && !node.computed) [name, value] = [propertyName(node.key), node.value];
    else if (node.type === "VariableDeclarator" && node.id.type === "Identifier") [name, value] = [node.id.name, node.init];
    else if (node.type === "AssignmentExpression") [name, value] = [node.left.type === "Identifier" ? node.left.name : memberName(node.left), node.right];
    const literal = value && stringValue(value);
    if (name && SECRET_NAME.test(name) && literal && literal.trim().length >= 4) {
      flag(value, `${name} is set from a string literal; read it from configuration instead.`);
    }
  });
}

function deleteInLoginRule({ root, add }) {
  walk(root, (node) => {
    const text = stringValue(node);
    if (text !== null && /\bDELETE\s+FROM\b/i.test(text)) add("delete-in-login", node, "Login deletes rows from the user store.");
    if (node.type === "CallExpression") {
      const method = calleeName(node);
      const target = node.callee.type === "MemberExpression" && node.callee.object.type === "Identifier" ? node.callee.object.name : "";
      if (DELETE_METHODS.has(method) || ((method === "delete" || method === "del") && HTTP_CLIENTS.test(target))) {
        add("delete-in-login", node, `Login calls ${target ? target + "." : ""}${method}(), which deletes users.`);
      }
    }
    if (node.type === "Property" && propertyName(node.key) === "method" && /^delete$/i.test(stringValue(node.value) || "")) {
      add("delete-in-login", node, "Login sends an HTTP DELETE.");
    }
  });
}

function passwordLogRule({ root, passwordName, add }) {
  // `user.email` is fine in create; `user`, `user.password` and `password` are not.
  const leaks = (node) => {
    let found = false;
    walk(node, (n) => {
      if (found) return false;
      if (n.type === "MemberExpression") {
        const prop = memberName(n);
        if (prop === "password" || prop === "newPassword") found = true;
        else if (n.object.type === "Identifier" && n.object.name === passwordName) return false;
      }
      if (n.type === "Identifier" && n.name === passwordName) found = true;
      return !found;
    });
    return found;
  };
  walk(root, (node) => {
    if (node.type !== "CallExpression" || node.callee.type !== "MemberExpression") return;
    const object = node.callee.object;
    if (object.type !== "Identifier" || object.name !== "console" || !CONSOLE_METHODS.has(memberName(node.callee))) return;
    if (node.arguments.some(leaks)) add("logs-password", node, "This log line includes the password.");
  });
}

function normaliseModuleName(name) {
  const bare = name.startsWith("node:") ? name.slice(5) : name;
  const at = bare.indexOf("@", bare.startsWith("@") ? 1 : 0); // `name@1.2.3` pins a version
  return at > 0 ? bare.slice(0, at) : bare;
}

// Names a typo away: "jwt_decode" -> "jwt-decode" (edit distance at most 2, or one contains the other).
function nearestNames(name, names) {
  const distance = (a, b) => {
    let row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const next = [i];
      for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      row = next;
    }
    return row[b.length];
  };
  const lower = name.toLowerCase();
  return names.filter((n) => distance(lower, n.toLowerCase()) <= 2 || (lower.length > 3 && (n.includes(lower) || lower.includes(n)))).slice(0, 3);
}

// The listed version closest to what a pin asked for: same major first, then the nearest major.
function nearestVersion(range, versions) {
  const wanted = semver.coerce(range);
  if (!wanted || !versions.length) return null;
  const score = (v) => Math.abs(semver.major(v) - wanted.major) * 1000 + Math.abs(semver.minor(v) - wanted.minor);
  return [...versions].sort((a, b) => score(a) - score(b) || semver.rcompare(a, b))[0];
}

// require('x'), require('x@range'), require('x/sub'): Node's built-ins (allowlist.modules), the module
// catalog (allowlist.catalog: name -> { default, versions, subpaths }, from sandbox/catalog.json and the
// operator's additions), by the same rule scriptd resolves with (src/catalog-resolve.js).
function requireRule({ root, allowlist, add }) {
  const modules = (allowlist && allowlist.modules) || {};
  const aliases = (allowlist && allowlist.aliases) || {};
  const refused = (allowlist && allowlist.refused) || {};
  const catalog = (allowlist && allowlist.catalog) || {};
  const has = (object, key) => Object.prototype.hasOwnProperty.call(object, key);
  walk(root, (node) => {
    if (node.type !== "CallExpression" || node.callee.type !== "Identifier" || node.callee.name !== "require") return;
    const arg = node.arguments[0];
    const name = arg && stringValue(arg);
    if (name === null || name === undefined) {
      add("dynamic-require", node, "require() is called with a computed module name.");
      return;
    }
    const module = normaliseModuleName(name);
    if (has(modules, aliases[module] || module)) return;
    const spec = name.startsWith("node:") ? name.slice(5) : name;
    const parsed = parseSpec(spec);
    if (name.startsWith("node:") || !parsed || !has(catalog, parsed.name)) {
      const bare = parsed ? parsed.name : module;
      const near = nearestNames(bare, Object.keys(catalog).concat(Object.keys(modules)));
      const why = has(refused, module) ? `: ${refused[module]}.` : near.length ? `; did you mean ${near.map((n) => `'${n}'`).join(" or ")}?` : ".";
      add("require-not-allowed", arg, `'${bare}' is not in the sandbox's module catalog${why}`);
      return;
    }
    const pkg = catalog[parsed.name];
    try {
      const { note } = pickVersion(spec, parsed, { default: pkg.default, versions: pkg.versions, subpathsOf: () => pkg.subpaths || [] });
      if (note) add("require-version-substituted", arg, note.replace(/^require\('[^']*'\): /, "") + ".");
    } catch (e) {
      const near = parsed.range ? nearestVersion(parsed.range, pkg.versions) : null;
      const message = e.message.replace(/^Cannot find module '[^']*': /, "");
      add("require-version-unavailable", arg, `${message}${near ? `; nearest: require('${parsed.name}@${near}${parsed.subpath ? `/${parsed.subpath}` : ""}')` : ""}.`);
    }
  });
}

// configuration.KEY (or configuration["KEY"]) where the connection has no such key.
function configurationRule({ root, configurationKeys, add }) {
  const known = new Set(configurationKeys);
  const seen = new Set();
  walk(root, (node) => {
    if (node.type !== "MemberExpression" || node.object.type !== "Identifier" || node.object.name !== "configuration") return true;
    const name = node.computed ? stringValue(node.property) : propertyName(node.property);
    if (name && !known.has(name) && !seen.has(name)) {
      seen.add(name);
      add("missing-configuration", node, `Reads configuration.${name}, which this connection does not define.`);
    }
    return true;
  });
}

module.exports = { RULES, configurationRule, userIdRules, profileRules, secretRules, deleteInLoginRule, passwordLogRule, requireRule, findDoubleCalls, isFunction };
