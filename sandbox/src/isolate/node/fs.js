// Internal only: some packages require `fs` at load time for a feature scripts cannot use (mysql's
// LOAD DATA LOCAL INFILE, pg's .pgpass). Scripts themselves cannot require it (allowlist.json).
"use strict";
const refuse = (name) =>
  function () {
    const error = new Error(`fs.${name}() is not available: scripts in Trickle's sandbox have no file system`);
    error.code = "ERR_ACCESS_DENIED";
    const callback = arguments[arguments.length - 1];
    if (typeof callback === "function" && !name.endsWith("Sync")) return queueMicrotask(() => callback(error));
    throw error;
  };
const names = ["readFile", "readFileSync", "writeFile", "writeFileSync", "stat", "statSync", "createReadStream", "createWriteStream", "existsSync", "readdir", "readdirSync", "open", "openSync"];
module.exports = Object.fromEntries(names.map((n) => [n, n === "existsSync" ? () => false : refuse(n)]));
module.exports.promises = Object.fromEntries(["readFile", "writeFile", "stat"].map((n) => [n, async () => refuse(n)()]));
