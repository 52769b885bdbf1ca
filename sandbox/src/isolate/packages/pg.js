// The real node-postgres, plus what scripts written for pg < 7 still call: `pg.connect(config,
// cb(err, client, done))` with one default pool per settings, and `pg.end()` closing those pools.
"use strict";
const pg = require("pg");

const defaultPools = new Map();

function connect(config, cb) {
  if (typeof config === "function") [config, cb] = [{}, config];
  const key = JSON.stringify(config === undefined ? {} : config);
  if (!defaultPools.has(key)) defaultPools.set(key, new pg.Pool(typeof config === "string" ? { connectionString: config } : config));
  return defaultPools.get(key).connect(cb);
}

function end() {
  const pools = [...defaultPools.values()];
  defaultPools.clear();
  return Promise.all(pools.map((pool) => pool.end()));
}

// pg's export is a plain object with lazy getters (native): copy it so scripts may patch their own.
const legacy = Object.create(Object.getPrototypeOf(pg), Object.getOwnPropertyDescriptors(pg));
legacy.connect = connect;
legacy.end = end;
module.exports = legacy;
