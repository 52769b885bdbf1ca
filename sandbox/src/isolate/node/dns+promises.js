// Node's `dns/promises` inside the isolate (see dns.js).
"use strict";
const call = (method, args) =>
  new Promise((resolve, reject) =>
    bridge.callAsync("dns", method, args, (err, value) => {
      if (!err) return resolve(value);
      const error = new Error(err.message);
      error.code = err.code;
      error.hostname = err.hostname;
      reject(error);
    }),
  );

async function lookup(hostname, options) {
  const opts = typeof options === "number" ? { family: options } : options || {};
  const list = await call("lookup", { hostname: String(hostname), family: opts.family });
  return opts.all ? list : list[0];
}
const resolve = (hostname, rrtype = "A") => call("resolve", { hostname: String(hostname), rrtype });

module.exports = {
  lookup,
  resolve,
  resolve4: (h) => resolve(h, "A"),
  resolve6: (h) => resolve(h, "AAAA"),
  resolveSrv: (h) => resolve(h, "SRV"),
  resolveTxt: (h) => resolve(h, "TXT"),
};
