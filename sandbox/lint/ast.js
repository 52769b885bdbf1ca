// Parsing and small tree helpers shared by the lint rules. Plain CommonJS so Node's CLI and the
// browser bundle (esbuild) load the same file.
"use strict";

const acorn = require("acorn");

const PARSE_OPTIONS = {
  ecmaVersion: "latest",
  sourceType: "script",
  locations: true,
  allowReturnOutsideFunction: true,
  allowHashBang: true,
};

const FUNCTION_TYPES = new Set(["FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression"]);

function isNode(value) {
  return value !== null && typeof value === "object" && typeof value.type === "string";
}

// The child nodes of `node` in source order (acorn puts keys in that order).
function children(node) {
  const out = [];
  for (const key of Object.keys(node)) {
    if (key === "loc") continue;
    const value = node[key];
    if (Array.isArray(value)) value.forEach((v) => isNode(v) && out.push(v));
    else if (isNode(value)) out.push(value);
  }
  return out;
}

// Depth-first visit; `visit` returning false skips the node's children.
function walk(node, visit, parent = null) {
  if (visit(node, parent) === false) return;
  for (const child of children(node)) walk(child, visit, node);
}

function isFunction(node) {
  return FUNCTION_TYPES.has(node.type);
}

function propertyName(node) {
  // The static name of an object key or a member's property, or null when computed.
  if (!node) return null;
  if (node.type === "Identifier" || node.type === "PrivateIdentifier") return node.name;
  if (node.type === "Literal" && typeof node.value === "string") return node.value;
  return null;
}

function memberName(node) {
  return node.type === "MemberExpression" && !node.computed ? propertyName(node.property) : null;
}

function calleeName(call) {
  const callee = call.callee;
  if (callee.type === "Identifier") return callee.name;
  return memberName(callee);
}

function stringValue(node) {
  if (node.type === "Literal" && typeof node.value === "string") return node.value;
  if (node.type === "TemplateLiteral" && node.expressions.length === 0) return node.quasis[0].value.cooked;
  return null;
}

// Parse a script. An anonymous `function (...) {}` is not a valid statement, but runtimes evaluate
// the script as an expression, so it is accepted here (and reported by the rules) by parsing it
// wrapped in parentheses; the wrapper adds nothing before line 1's text except one column.
function parseScript(source) {
  try {
    return { program: acorn.parse(source, PARSE_OPTIONS), shift: 0 };
  } catch (error) {
    try {
      const program = acorn.parse(`(${source}\n)`, PARSE_OPTIONS);
      const expression = program.body[0] && program.body[0].expression;
      if (program.body.length === 1 && expression && isFunction(expression)) return { program, shift: 1 };
    } catch (_) {
      // fall through to the first, more natural error
    }
    const loc = error.loc || { line: 1, column: 0 };
    return {
      error: {
        message: String(error.message).replace(/\s*\(\d+:\d+\)$/, ""),
        line: loc.line,
        column: loc.column + 1,
        from: error.pos === undefined ? 0 : error.pos,
      },
    };
  }
}

module.exports = { parseScript, children, walk, isFunction, propertyName, memberName, calleeName, stringValue };
