// `bcrypt` for scripts: the native package's API (genSalt, hash, compare; sync, callbacks and
// promises; getRounds), computed natively by the host on its thread pool through the crypto bridge,
// so it runs at native speed off the worker's main thread and counts against the script's crypto
// limits. `bcryptjs` stays the pure-JS package.
"use strict";
const { Buffer } = require("buffer");

function dataArgs(data) {
  if (Buffer.isBuffer(data) || ArrayBuffer.isView(data)) return { dataBase64: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64") };
  return { data };
}
function checkTypes(data, second, name) {
  if (data === undefined || second === undefined) throw new Error(`data and ${name} arguments required`);
  const okData = typeof data === "string" || Buffer.isBuffer(data);
  const okSecond = name === "salt" ? typeof second === "string" || typeof second === "number" : typeof second === "string";
  if (!okData || !okSecond) {
    throw new Error(name === "salt" ? "data must be a string or Buffer and salt must either be a salt string or a number of rounds" : "data must be a string or Buffer and hash must be a string");
  }
}

// The package's calling convention: a callback when given (errors go to it), a promise otherwise.
function both(method, args, cb, check) {
  const run = () =>
    new Promise((resolve, reject) => {
      check();
      bridge.callAsync("crypto", method, args, (err, value) => (err ? reject(err) : resolve(value)));
    });
  if (typeof cb !== "function") return run();
  run().then(
    (value) => cb(null, value),
    (err) => cb(err),
  );
  return undefined;
}

function genSaltSync(rounds, minor) {
  return bridge.call("crypto", "bcryptGenSalt", { rounds, minor });
}
function genSalt(rounds, minor, cb) {
  if (typeof rounds === "function") [rounds, minor, cb] = [undefined, undefined, rounds];
  else if (typeof minor === "function") [minor, cb] = [undefined, minor];
  return both("bcryptGenSalt", { rounds, minor }, cb, () => {});
}
function hashSync(data, salt) {
  checkTypes(data, salt, "salt");
  return bridge.call("crypto", "bcryptHash", { ...dataArgs(data), salt });
}
function hash(data, salt, cb) {
  return both("bcryptHash", { ...dataArgs(data), salt }, cb, () => checkTypes(data, salt, "salt"));
}
function compareSync(data, encrypted) {
  checkTypes(data, encrypted, "hash");
  return bridge.call("crypto", "bcryptCompare", { ...dataArgs(data), hash: encrypted });
}
function compare(data, encrypted, cb) {
  return both("bcryptCompare", { ...dataArgs(data), hash: encrypted }, cb, () => checkTypes(data, encrypted, "hash"));
}
function getRounds(encrypted) {
  if (encrypted === undefined) throw new Error("hash argument required");
  if (typeof encrypted !== "string") throw new Error("hash must be a string");
  const m = /^\$2[abxy]?\$(\d\d)\$/.exec(encrypted);
  if (!m) throw new Error("invalid hash provided");
  return Number(m[1]);
}

module.exports = { genSaltSync, genSalt, hashSync, hash, compareSync, compare, getRounds };
