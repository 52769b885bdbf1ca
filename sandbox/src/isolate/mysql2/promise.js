// `mysql2/promise` for scripts: `await createConnection(config)`, then query/execute resolving to
// `[rows, fields]`, end(); createPool with query/execute/getConnection/end. Built on the `mysql` shim.
"use strict";
const mysql = require("mysql");

function run(target, method, sql, values) {
  const { promise } = method === "pool" ? target._pooled(sql.method, sql.sql, values) : target._run(method, sql, values);
  return promise;
}

function wrapConnection(connection) {
  return {
    connection,
    get threadId() {
      return connection.threadId;
    },
    query: (sql, values) => run(connection, "query", sql, values),
    execute: (sql, values) => run(connection, "execute", sql, values),
    ping: () => connection.ping(),
    beginTransaction: () => run(connection, "query", "START TRANSACTION"),
    commit: () => run(connection, "query", "COMMIT"),
    rollback: () => run(connection, "query", "ROLLBACK"),
    end: () => connection.end(),
    destroy: () => connection.destroy(),
    release: () => connection.release && connection.release(),
    escape: (value) => connection.escape(value),
    escapeId: (value) => connection.escapeId(value),
    format: (sql, values) => connection.format(sql, values),
    on: (name, fn) => connection.on(name, fn),
  };
}

function wrapPool(pool) {
  return {
    pool,
    query: (sql, values) => run(pool, "pool", { method: "query", sql }, values),
    execute: (sql, values) => run(pool, "pool", { method: "execute", sql }, values),
    getConnection: () => pool.getConnection().then(wrapConnection),
    end: () => pool.end(),
    escape: (value) => pool.escape(value),
    escapeId: (value) => pool.escapeId(value),
    on: (name, fn) => pool.on(name, fn),
  };
}

async function createConnection(config) {
  const connection = mysql.createConnection(config);
  await connection.connect();
  return wrapConnection(connection);
}

module.exports = {
  createConnection,
  createPool: (config) => wrapPool(mysql.createPool(config)),
  wrapConnection,
  wrapPool,
  escape: mysql.escape,
  escapeId: mysql.escapeId,
  format: mysql.format,
};
