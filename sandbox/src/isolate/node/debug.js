// Internal: the `debug` package some libraries load optionally (follow-redirects); logging stays off.
"use strict";
module.exports = function createDebug() {
  const debug = () => {};
  debug.enabled = false;
  debug.extend = createDebug;
  return debug;
};
module.exports.enable = () => {};
module.exports.disable = () => "";
module.exports.enabled = () => false;
