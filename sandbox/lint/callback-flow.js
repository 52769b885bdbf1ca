// Finds places where `callback` may be called a second time on one path through a function.
//
// A tiny abstract interpretation: the state says whether some path reaching this point has already
// called the callback ({maybe: true}); null means the point is unreachable (after return or throw).
// Nested functions are separate: we cannot know how often a closure runs, so each function body is
// analysed on its own from a fresh state.
"use strict";

const { children, isFunction } = require("./ast");

const join = (...states) => {
  const live = states.filter(Boolean);
  return live.length ? { maybe: live.some((s) => s.maybe) } : null;
};

function analyseFunction(fn, callbackName, report) {
  const frames = []; // innermost breakable construct last: {breaks, continues, loop}
  const isCallback = (node) => node.type === "Identifier" && node.name === callbackName;

  function expr(node, state) {
    if (!node || !state || isFunction(node)) return state;
    switch (node.type) {
      case "ConditionalExpression": {
        const s = expr(node.test, state);
        return join(expr(node.consequent, s), expr(node.alternate, s));
      }
      case "LogicalExpression": {
        const s = expr(node.left, state);
        return join(s, expr(node.right, s));
      }
      case "CallExpression": {
        let s = expr(node.callee, state);
        for (const arg of node.arguments) s = expr(arg, s);
        if (!isCallback(node.callee)) return s;
        if (s.maybe) report(node);
        return { maybe: true };
      }
      default:
        return children(node).reduce((s, child) => expr(child, s), state);
    }
  }

  function callsWithin(node) {
    // Whether the statement calls the callback anywhere at this function level.
    let found = false;
    const visit = (n) => {
      if (found || isFunction(n)) return;
      if (n.type === "CallExpression" && isCallback(n.callee)) found = true;
      children(n).forEach(visit);
    };
    visit(node);
    return found;
  }

  function loop(node, state, bodyKey = "body") {
    const frame = { breaks: [], continues: [], loop: true };
    frames.push(frame);
    const back = join(stmt(node[bodyKey], state), ...frame.continues);
    frames.pop();
    if (back && back.maybe && !state.maybe) {
      // A call that falls through to the next iteration may run again: look at the body once more.
      frames.push({ breaks: [], continues: [], loop: true });
      stmt(node[bodyKey], { maybe: true });
      frames.pop();
    }
    return join(state, back, ...frame.breaks);
  }

  function stmt(node, state) {
    if (!node || !state) return state;
    switch (node.type) {
      case "BlockStatement":
      case "StaticBlock":
        return node.body.reduce((s, child) => stmt(child, s), state);
      case "ReturnStatement":
      case "ThrowStatement":
        expr(node.argument, state);
        return null;
      case "IfStatement": {
        const s = expr(node.test, state);
        return join(stmt(node.consequent, s), node.alternate ? stmt(node.alternate, s) : s);
      }
      case "ForStatement":
        return loop(node, expr(node.test, expr(node.init, state)));
      case "ForInStatement":
      case "ForOfStatement":
        return loop(node, expr(node.right, state));
      case "WhileStatement":
      case "DoWhileStatement":
        return loop(node, expr(node.test, state));
      case "TryStatement": {
        const tried = stmt(node.block, state);
        // The catch may run after a call inside try threw (a throwing callback is the classic case).
        const caughtEntry = { maybe: state.maybe || callsWithin(node.block) };
        const caught = node.handler ? stmt(node.handler.body, caughtEntry) : null;
        const after = node.handler ? join(tried, caught) : tried;
        if (!node.finalizer) return after;
        const finalOut = stmt(node.finalizer, join(after, caughtEntry));
        return after ? finalOut : null;
      }
      case "SwitchStatement": {
        const s = expr(node.discriminant, state);
        const frame = { breaks: [], continues: [], loop: false };
        frames.push(frame);
        let fall = null;
        for (const branch of node.cases) fall = branch.consequent.reduce((acc, c) => stmt(c, acc), join(s, fall));
        frames.pop();
        const hasDefault = node.cases.some((c) => c.test === null);
        return join(fall, ...frame.breaks, hasDefault ? null : s);
      }
      case "BreakStatement": {
        const frame = frames[frames.length - 1];
        if (frame) frame.breaks.push(state);
        return null;
      }
      case "ContinueStatement": {
        const frame = [...frames].reverse().find((f) => f.loop);
        if (frame) frame.continues.push(state);
        return null;
      }
      case "LabeledStatement":
        return stmt(node.body, state);
      case "FunctionDeclaration":
      case "ClassDeclaration":
        return state;
      default:
        return expr(node, state);
    }
  }

  if (fn.body.type === "BlockStatement") stmt(fn.body, { maybe: false });
  else expr(fn.body, { maybe: false });
}

// Every function inside `root` (itself included) analysed on its own; reports each call once.
function findDoubleCalls(root, callbackName) {
  const seen = new Map();
  const report = (node) => seen.set(node.start, node);
  const visit = (node) => {
    if (isFunction(node)) analyseFunction(node, callbackName, report);
    children(node).forEach(visit);
  };
  visit(root);
  return [...seen.values()];
}

module.exports = { findDoubleCalls };
