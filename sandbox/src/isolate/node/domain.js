// Internal only: aws-sdk v2 requires `domain` when it loads, to pass errors to an active domain. The
// sandbox has no domains: none is ever active, so the SDK reports errors to its callbacks as usual.
"use strict";
const EventEmitter = require("events");
class Domain extends EventEmitter {
  run(fn, ...args) {
    return fn(...args);
  }
  bind(fn) {
    return fn;
  }
  intercept(fn) {
    return fn;
  }
  add() {}
  remove() {}
  enter() {}
  exit() {}
  dispose() {}
}
module.exports = { Domain, active: undefined, create: () => new Domain(), createDomain: () => new Domain() };
