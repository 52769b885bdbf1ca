// `mysql2` for scripts: the callback API of the `mysql` shim, plus `.promise()` on connections and
// pools (the same objects as `mysql2/promise` hands out).
"use strict";
const mysql = require("mysql");
const promiseApi = require("mysql2/promise");

mysql.Connection.prototype.promise = function promise() {
  return promiseApi.wrapConnection(this);
};
mysql.Pool.prototype.promise = function promise() {
  return promiseApi.wrapPool(this);
};

module.exports = { ...mysql, createConnectionPromise: promiseApi.createConnection };
