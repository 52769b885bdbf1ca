// The npm package `optional-require` (mongodb 3.x loads its optional add-ons through it), for the isolate:
// the real one resolves paths through Node's `module`, which the sandbox has none of. Same contract:
// `optionalRequire(require)(name)` is the module, or undefined when it is not there.
"use strict";
function notFound(e) {
  return e && e.code === "MODULE_NOT_FOUND";
}
function make(callerRequire) {
  const optionalRequire = (name, opts) => {
    try {
      return callerRequire(name);
    } catch (e) {
      if (!notFound(e)) throw e;
      if (opts && typeof opts.notFound === "function") return opts.notFound(e);
      return opts && "default" in opts ? opts.default : undefined;
    }
  };
  optionalRequire.resolve = () => undefined; // nothing is resolved to a path in the sandbox
  optionalRequire.log = () => {};
  return optionalRequire;
}
module.exports = make;
module.exports.makeOptionalRequire = make;
module.exports.optionalRequire = make;
module.exports.tryRequire = (callerRequire, name) => make(callerRequire)(name);
module.exports.tryResolve = () => undefined;
module.exports.setDefaultLog = () => {};
