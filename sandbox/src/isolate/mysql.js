// `mysql` (and the callback API of `mysql2`) for scripts: createConnection, createPool, query with
// `?` / `??` placeholders formatted here as the drivers do (so `INSERT INTO users SET ?` takes an
// object), execute (server-side prepared), end. Each connection is a handle to a real mysql2
// connection in the host, behind the "mysql" bridge.
"use strict";
const EventEmitter = require("events");
const { Buffer } = require("buffer");
const SqlString = require("sql-escaper");

const call = (method, args) =>
  new Promise((resolve, reject) => bridge.callAsync("mysql", method, args, (err, value) => (err ? reject(err) : resolve(value))));

function revive(value) {
  if (value && typeof value === "object" && value.$trickle === "date") return value.value === null ? new Date(NaN) : new Date(value.value);
  if (value && typeof value === "object" && value.$trickle === "bytes") return Buffer.from(value.value, "base64");
  return value;
}
function reviveRow(row) {
  if (Array.isArray(row)) return row.map(revive);
  for (const key of Object.keys(row)) row[key] = revive(row[key]);
  return row;
}
// What mysql/mysql2 hand back: rows for a SELECT, an OkPacket-like header for a write.
function resultOf(raw) {
  if (raw.kind === "rows") return [raw.rows.map(reviveRow), raw.fields];
  if (raw.kind === "multi") return [raw.results.map((r) => resultOf(r)[0]), undefined];
  return [{ fieldCount: 0, affectedRows: 0, insertId: 0, info: "", serverStatus: 0, warningStatus: 0, changedRows: 0, ...raw.header }, undefined];
}

function plainConfig(config) {
  if (typeof config === "string") return { uri: config };
  const out = {};
  for (const [key, value] of Object.entries(config || {})) {
    if (value === null || ["string", "number", "boolean"].includes(typeof value)) out[key] = value;
    else if (key === "ssl" && typeof value === "object") out.ssl = { rejectUnauthorized: value.rejectUnauthorized, ca: typeof value.ca === "string" ? value.ca : undefined };
  }
  return out;
}
const sqlValue = (v) => (v instanceof Date ? SqlString.dateToString(v, "Z").replace(/^'|'$/g, "") : v === undefined ? null : v);

// query(sql, values?, cb?) | query({sql, values, timeout}, cb?)
function queryArgs(sql, values, cb) {
  if (typeof values === "function") [values, cb] = [undefined, values];
  const options = sql && typeof sql === "object" ? sql : { sql };
  if (values === undefined) values = options.values;
  if (typeof options.sql !== "string") throw new TypeError("The query must be a string");
  return { sql: options.sql, values, timeout: options.timeout, cb };
}

// Calls `cb(err, results, fields)` outside any promise chain, as the drivers do.
function deliver(promise, cb, query) {
  promise.then(
    ([results, fields]) =>
      queueMicrotask(() => {
        if (query) {
          query.emit("fields", fields);
          for (const row of Array.isArray(results) ? results : [results]) query.emit("result", row);
          query.emit("end");
        }
        if (typeof cb === "function") cb(null, results, fields);
      }),
    (err) =>
      queueMicrotask(() => {
        if (typeof cb === "function") cb(err);
        else if (query && query.listenerCount("error")) query.emit("error", err);
        if (query) query.emit("end");
      }),
  );
}

class Connection extends EventEmitter {
  constructor(config) {
    super();
    this.config = plainConfig(config);
    this.threadId = null;
    this.state = "disconnected";
    this._handle = null;
    this._ready = null;
    this._ended = false;
  }

  _connected() {
    if (this._ended) return Promise.reject(Object.assign(new Error("Cannot enqueue Query after invoking quit."), { code: "PROTOCOL_ENQUEUE_AFTER_QUIT", fatal: false }));
    if (!this._ready) {
      this._ready = call("connect", { config: this.config }).then(({ handle, threadId }) => {
        this._handle = handle;
        this.threadId = threadId;
        this.state = "authenticated";
        this.emit("connect");
      });
      this._ready.catch(() => {});
    }
    return this._ready;
  }

  // Optional, as in mysql: the first query connects.
  connect(cb) {
    const promise = this._connected();
    if (typeof cb === "function") promise.then(() => queueMicrotask(() => cb(null)), (err) => queueMicrotask(() => cb(err)));
    return promise;
  }

  _run(method, sql, values, cb) {
    const args = queryArgs(sql, values, cb);
    const text = method === "query" && args.values !== undefined ? SqlString.format(args.sql, args.values, false, "Z") : args.sql;
    const params = method === "execute" ? (Array.isArray(args.values) ? args.values.map(sqlValue) : []) : undefined;
    const promise = this._connected()
      .then(() => call("query", { handle: this._handle, sql: text, values: params, execute: method === "execute", timeout: args.timeout }))
      .then(resultOf);
    promise.catch(() => {});
    return { promise, cb: args.cb, sql: text };
  }

  query(sql, values, cb) {
    const { promise, cb: done, sql: text } = this._run("query", sql, values, cb);
    const query = new EventEmitter();
    query.sql = text;
    deliver(promise, done, query);
    return query;
  }

  execute(sql, values, cb) {
    const { promise, cb: done } = this._run("execute", sql, values, cb);
    deliver(promise, done, null);
  }

  ping(cb) {
    const promise = this._connected().then(() => call("ping", { handle: this._handle }));
    if (typeof cb === "function") promise.then(() => queueMicrotask(() => cb(null)), (err) => queueMicrotask(() => cb(err)));
    return promise;
  }

  beginTransaction(cb) {
    return this.query("START TRANSACTION", cb);
  }
  commit(cb) {
    return this.query("COMMIT", cb);
  }
  rollback(cb) {
    return this.query("ROLLBACK", cb);
  }

  end(cb) {
    const open = this._ready && !this._ended;
    this._ended = true;
    this.state = "disconnected";
    const promise = open ? this._ready.then(() => call("end", { handle: this._handle }), () => undefined) : Promise.resolve();
    if (typeof cb === "function") promise.then(() => queueMicrotask(() => cb(null)), (err) => queueMicrotask(() => cb(err)));
    promise.then(() => this.emit("end"), () => {});
    return promise;
  }
  destroy() {
    this.end().catch(() => {});
  }

  escape(value) {
    return SqlString.escape(value, false, "Z");
  }
  escapeId(value) {
    return SqlString.escapeId(value);
  }
  format(sql, values) {
    return SqlString.format(sql, values, false, "Z");
  }
}

// A pool of Connections on this side. getConnection(cb(err, connection)); connection.release().
class Pool extends EventEmitter {
  constructor(config) {
    super();
    this.config = plainConfig(config);
    this._limit = Number(this.config.connectionLimit) > 0 ? Number(this.config.connectionLimit) : 10;
    this._idle = [];
    this._count = 0;
    this._waiters = [];
    this._closed = false;
  }

  _acquire() {
    if (this._closed) return Promise.reject(Object.assign(new Error("Pool is closed."), { code: "POOL_CLOSED" }));
    const idle = this._idle.pop();
    if (idle) return Promise.resolve(idle);
    if (this._count >= this._limit) return new Promise((resolve, reject) => this._waiters.push({ resolve, reject }));
    this._count++;
    const connection = new Connection(this.config);
    connection.release = () => this._release(connection);
    return connection._connected().then(
      () => connection,
      (err) => {
        this._count--;
        throw err;
      },
    );
  }

  _release(connection) {
    if (this._closed || connection._ended) {
      this._count--;
      connection.end().catch(() => {});
      const next = this._waiters.shift();
      if (next) this._acquire().then(next.resolve, next.reject);
      return;
    }
    const waiter = this._waiters.shift();
    if (waiter) waiter.resolve(connection);
    else this._idle.push(connection);
  }

  getConnection(cb) {
    const promise = this._acquire();
    if (typeof cb === "function") promise.then((c) => queueMicrotask(() => cb(null, c)), (err) => queueMicrotask(() => cb(err)));
    return promise;
  }

  _pooled(method, sql, values, cb) {
    const args = queryArgs(sql, values, cb);
    const promise = this._acquire().then((connection) => {
      const { promise: result } = connection._run(method, { sql: args.sql, timeout: args.timeout }, args.values);
      return result.then(
        (value) => (this._release(connection), value),
        (err) => {
          this._release(connection);
          throw err;
        },
      );
    });
    promise.catch(() => {});
    return { promise, cb: args.cb };
  }

  query(sql, values, cb) {
    const { promise, cb: done } = this._pooled("query", sql, values, cb);
    const query = new EventEmitter();
    deliver(promise, done, query);
    return query;
  }
  execute(sql, values, cb) {
    const { promise, cb: done } = this._pooled("execute", sql, values, cb);
    deliver(promise, done, null);
  }

  end(cb) {
    this._closed = true;
    for (const waiter of this._waiters.splice(0)) waiter.reject(Object.assign(new Error("Pool is closed."), { code: "POOL_CLOSED" }));
    const promise = Promise.all(this._idle.splice(0).map((c) => c.end())).then(() => undefined);
    if (typeof cb === "function") promise.then(() => queueMicrotask(() => cb(null)), (err) => queueMicrotask(() => cb(err)));
    return promise;
  }
  escape(value) {
    return SqlString.escape(value, false, "Z");
  }
  escapeId(value) {
    return SqlString.escapeId(value);
  }
}

module.exports = {
  Connection,
  Pool,
  createConnection: (config) => new Connection(config),
  createPool: (config) => new Pool(config),
  escape: (value) => SqlString.escape(value, false, "Z"),
  escapeId: (value) => SqlString.escapeId(value),
  format: (sql, values) => SqlString.format(sql, values, false, "Z"),
  raw: SqlString.raw,
};
