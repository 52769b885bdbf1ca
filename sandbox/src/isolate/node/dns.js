// Node's `dns` inside the isolate: answers come from the host for names in the connection's
// allow-list only (src/host/bridges/dns.js). Sockets do not need it: `net` resolves in the host.
"use strict";
const promises = require("dns/promises");

const callbackify = (fn) =>
  function (...args) {
    const cb = args.pop();
    if (typeof cb !== "function") throw new TypeError('The "callback" argument must be of type function');
    fn(...args).then((v) => cb(null, v), (e) => cb(e));
  };

function lookup(hostname, options, cb) {
  if (typeof options === "function") [options, cb] = [{}, options];
  const opts = typeof options === "number" ? { family: options } : options || {};
  promises.lookup(hostname, { ...opts, all: true }).then(
    (list) => (opts.all ? cb(null, list) : cb(null, list[0].address, list[0].family)),
    (e) => cb(e),
  );
}

module.exports = {
  lookup,
  resolve: callbackify(promises.resolve),
  resolve4: callbackify(promises.resolve4),
  resolve6: callbackify(promises.resolve6),
  resolveSrv: callbackify(promises.resolveSrv),
  resolveTxt: callbackify(promises.resolveTxt),
  promises,
  NOTFOUND: "ENOTFOUND",
  ADDRCONFIG: 0,
  V4MAPPED: 0,
};
