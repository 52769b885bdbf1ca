// Syntax check and lint for the seven action scripts. Used by the CLI (Django's save validation)
// and bundled into the editor page for live findings, so both always agree.
//
//   lintScripts({scripts: {key: body}, specs: [...], allowlist: {...}, sizeFindingBytes})
//     -> {syntaxErrors: [{script, line, column, from, message}],
//         findings: [{script, rule, severity, line, column, from, to, message, why}]}
//
// `specs` is the list scripts_editor.scripts.metadata_for_editor() produces (key, functionNames,
// signature, returnsProfile, passwordParameterIndex); `allowlist` is sandbox/allowlist.json.
"use strict";

const { parseScript, isFunction, walk } = require("./ast");
const rules = require("./rules");

function byteLength(text) {
  return new TextEncoder().encode(text).length;
}

// The function the runtime calls: the one with a recommended name, else the first top-level one.
function mainFunction(program, names) {
  const candidates = program.body
    .map((s) => (s.type === "FunctionDeclaration" ? s : s.type === "ExpressionStatement" && isFunction(s.expression) ? s.expression : null))
    .filter(Boolean);
  return candidates.find((f) => f.id && names.includes(f.id.name)) || candidates[0] || null;
}

// `configurationKeys`: the connection's configuration keys, or null when unknown (the rule is then skipped).
function lintScript(key, source, { spec = null, allowlist = null, sizeFindingBytes = null, configurationKeys = null } = {}) {
  const findings = [];
  if (!source || !source.trim()) return { findings }; // empty means "not implemented"
  const parsed = parseScript(source);
  if (parsed.error) return { findings, syntaxError: { script: key, ...parsed.error } };
  const { program, shift } = parsed;
  if (program.body.length === 0) return { findings }; // only comments: not implemented either

  const add = (rule, node, message) => {
    const [severity, why] = rules.RULES[rule];
    const from = Math.max(0, (node ? node.start : 0) - shift);
    const to = Math.max(from, (node ? node.end : 0) - shift);
    const loc = node ? node.loc.start : { line: 1, column: 0 };
    const column = loc.column + 1 - (loc.line === 1 ? shift : 0);
    findings.push({ script: key, rule, severity, line: loc.line, column, from, to, message, why });
  };

  const size = byteLength(source);
  if (sizeFindingBytes !== null && size > sizeFindingBytes) add("size", null, `This script is ${Math.round(size / 1024)} kB.`);

  const names = spec ? spec.functionNames : [];
  const fn = mainFunction(program, names);
  if (!fn) {
    add("no-function", program.body[0], "The script does not define a function.");
  } else {
    checkFunction(fn, spec, add);
  }
  const callbackName = fn && lastParameterName(fn);
  const context = { root: program, callbackName, allowlist, add };
  if (spec && spec.returnsProfile) {
    rules.userIdRules(context);
    if (callbackName) rules.profileRules(context);
  }
  if (key === "login") rules.deleteInLoginRule(context);
  const passwordIndex = spec ? spec.passwordParameterIndex : null;
  if (fn && passwordIndex !== null && passwordIndex !== undefined && fn.params[passwordIndex] && fn.params[passwordIndex].type === "Identifier") {
    rules.passwordLogRule({ ...context, passwordName: fn.params[passwordIndex].name });
  }
  rules.secretRules(context);
  rules.requireRule(context);
  if (configurationKeys) rules.configurationRule({ ...context, configurationKeys });
  findings.sort((a, b) => a.from - b.from);
  return { findings };
}

function lastParameterName(fn) {
  const last = fn.params[fn.params.length - 1];
  return last && last.type === "Identifier" ? last.name : null;
}

function checkFunction(fn, spec, add) {
  const header = fn.id || fn;
  if (!fn.id) add("anonymous-function", fn, "The script's function has no name.");
  if (spec) {
    const wanted = spec.signature;
    if (fn.params.length !== wanted.length) {
      add("signature", header, `The function takes ${fn.params.length} parameter(s); the runtime passes (${wanted.join(", ")}).`);
    }
  }
  const callbackName = lastParameterName(fn);
  let used = false;
  if (callbackName) {
    walk(fn.body, (node) => {
      if (node.type === "Identifier" && node.name === callbackName) used = true;
      return !used;
    });
  }
  if (!used) {
    add("no-callback", header, callbackName ? `${callbackName} is never called.` : "The function takes no callback parameter.");
    return;
  }
  for (const call of rules.findDoubleCalls(fn, callbackName)) {
    add("callback-twice", call, `${callbackName} may already have been called on this path.`);
  }
}

function lintScripts({ scripts, specs = [], allowlist = null, sizeFindingBytes = null, configurationKeys = null }) {
  const byKey = Object.fromEntries(specs.map((s) => [s.key, s]));
  const syntaxErrors = [];
  const findings = [];
  for (const [key, source] of Object.entries(scripts || {})) {
    const result = lintScript(key, source, { spec: byKey[key] || null, allowlist, sizeFindingBytes, configurationKeys });
    if (result.syntaxError) syntaxErrors.push(result.syntaxError);
    findings.push(...result.findings);
  }
  return { syntaxErrors, findings };
}

module.exports = { lintScripts, lintScript, RULES: rules.RULES };
