// Parsing and small tree helpers shared by the lint rules. Plain CommonJS so Node's CLI and the
// browser bundle (esbuild) load the same file.
"use strict";

const acorn = require("acorn");
const walker = require("acorn-walk");

const PARSE_OPTIONS = {
  ecmaVersion: "latest",
  sourceType: "script",
  locations: true,
  allowReturnOutsideFunction: true,
  allowHashBang: true,
};

const FUNCTION_TYPES = new Set(["FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression"]);

// The child nodes of `node` in source order, as acorn-walk's base walker knows them. Names that are
// not references (non-computed keys and member names, labels) are not children. A base step that
// hands back the node itself under a pseudo-type (FunctionDeclaration -> "Function") is followed.
function children(node) {
  const out = [];
  const collect = (child, _state, pseudoType) => {
    if (child === node) walker.base[pseudoType](child, null, collect);
    else out.push(child);
  };
  walker.base[node.type](node, null, collect);
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
