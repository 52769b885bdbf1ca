// node-postgres (`pg`) for scripts: Client, Pool and the old `pg.connect(conString, cb(err, client,
// done))`, with callbacks or promises. Queries go through the "pg" bridge to a real client in the
// host; this side holds only a handle number and shapes results as pg does ({rows, rowCount, ...}).
"use strict";
const EventEmitter = require("events");
const { Buffer } = require("buffer");

const call = (method, args) =>
  new Promise((resolve, reject) => bridge.callAsync("pg", method, args, (err, value) => (err ? reject(err) : resolve(value))));

// Callback style when `cb` is given (called outside any promise chain, so an exception in it fails
// the run as in Node), a promise otherwise.
function settle(promise, cb) {
  if (typeof cb !== "function") return promise;
  promise.then(
    (value) => queueMicrotask(() => cb(null, value)),
    (err) => queueMicrotask(() => cb(err)),
  );
  return undefined;
}

function revive(value) {
  if (value && typeof value === "object" && value.$trickle === "date") return value.value === null ? new Date(NaN) : new Date(value.value);
  if (value && typeof value === "object" && value.$trickle === "bytes") return Buffer.from(value.value, "base64");
  return value;
}
function reviveRows(rows) {
  return rows.map((row) => {
    if (Array.isArray(row)) return row.map(revive);
    for (const key of Object.keys(row)) row[key] = revive(row[key]);
    return row;
  });
}
function resultOf(raw) {
  return { command: raw.command, rowCount: raw.rowCount, rows: reviveRows(raw.rows), fields: raw.fields, oid: null };
}

// Config values that cross to the host: plain data only.
function plainConfig(config) {
  if (typeof config === "string") return config;
  const out = {};
  for (const [key, value] of Object.entries(config || {})) {
    if (value === null || ["string", "number", "boolean"].includes(typeof value)) out[key] = value;
    else if (key === "ssl" && typeof value === "object") out.ssl = { rejectUnauthorized: value.rejectUnauthorized, ca: typeof value.ca === "string" ? value.ca : undefined };
  }
  return out;
}

// query(text, values?, cb?) | query({text, values, rowMode}, cb?)
function queryArgs(text, values, cb) {
  if (typeof values === "function") [values, cb] = [undefined, values];
  let config = text && typeof text === "object" ? text : { text };
  if (config.values === undefined && values !== undefined) config = { ...config, values };
  if (config.values !== undefined && !Array.isArray(config.values)) throw new TypeError("Query values must be an array");
  const params = (config.values || []).map((v) => (v instanceof Date ? v.toISOString() : Buffer.isBuffer(v) ? "\\x" + v.toString("hex") : v));
  return { text: config.text, values: params, rowMode: config.rowMode, cb: cb || config.callback };
}

class Client extends EventEmitter {
  constructor(config) {
    super();
    this._config = plainConfig(config);
    this._handle = null;
    this._connecting = null;
    this._ended = false;
  }

  connect(cb) {
    if (!this._connecting) {
      this._connecting = this._ended
        ? Promise.reject(new Error("Client has already been connected. You cannot reuse a client."))
        : call("connect", { config: this._config }).then(({ handle }) => {
            this._handle = handle;
            this.emit("connect");
          });
      this._connecting.catch(() => {});
    } else if (!this._ended) {
      return settle(Promise.reject(new Error("Client has already been connected. You cannot reuse a client.")), cb);
    }
    return settle(this._connecting.then(() => undefined), cb);
  }

  query(text, values, cb) {
    let args;
    try {
      args = queryArgs(text, values, cb);
    } catch (e) {
      return settle(Promise.reject(e), typeof values === "function" ? values : cb);
    }
    const ready = this._ended ? Promise.reject(new Error("Client was closed and is not queryable")) : this._connecting;
    const promise = (ready || Promise.reject(new Error("Client must be connected before a query (call connect())")))
      .then(() => call("query", { handle: this._handle, text: args.text, values: args.values, rowMode: args.rowMode }))
      .then((results) => (results.length === 1 ? resultOf(results[0]) : results.map(resultOf)));
    return settle(promise, args.cb);
  }

  end(cb) {
    const wasOpen = this._connecting && !this._ended;
    this._ended = true;
    const promise = wasOpen
      ? this._connecting.then(() => call("end", { handle: this._handle }), () => undefined).then(() => this.emit("end"))
      : Promise.resolve();
    return settle(promise.then(() => undefined), cb);
  }

  escapeLiteral(value) {
    return "'" + String(value).replace(/'/g, "''") + "'";
  }
  escapeIdentifier(value) {
    return '"' + String(value).replace(/"/g, '""') + '"';
  }
}

// A pool of Clients on this side; idle clients close after idleTimeoutMillis (10 s) as in pg, so a
// pool made in every run does not pile up sockets in a warm isolate.
class Pool extends EventEmitter {
  constructor(options) {
    super();
    this.options = { max: 10, idleTimeoutMillis: 10000, ...(typeof options === "string" ? { connectionString: options } : options || {}) };
    this._idle = []; // { client, timer }
    this._count = 0;
    this._waiters = [];
    this.ended = false;
  }
  get totalCount() {
    return this._count;
  }
  get idleCount() {
    return this._idle.length;
  }
  get waitingCount() {
    return this._waiters.length;
  }

  _acquire() {
    if (this.ended) return Promise.reject(new Error("Cannot use a pool after calling end on the pool"));
    const idle = this._idle.pop();
    if (idle) {
      clearTimeout(idle.timer);
      idle.client._released = false;
      return Promise.resolve(idle.client);
    }
    if (this._count >= this.options.max) return new Promise((resolve, reject) => this._waiters.push({ resolve, reject }));
    this._count++;
    const client = new Client(this.options);
    client.release = (err) => this._release(client, err);
    return client.connect().then(
      () => {
        this.emit("connect", client);
        return client;
      },
      (err) => {
        this._count--;
        throw err;
      },
    );
  }

  _release(client, err) {
    if (client._released) throw new Error("Release called on client which has already been released to the pool.");
    if (err || this.ended || client._ended) {
      this._count--;
      client.end().catch(() => {});
      this._serveWaiter();
      return;
    }
    const waiter = this._waiters.shift();
    if (waiter) return waiter.resolve(client);
    client._released = true;
    const entry = { client, timer: null };
    entry.timer = setTimeout(() => {
      this._idle = this._idle.filter((e) => e !== entry);
      this._count--;
      client.end().catch(() => {});
    }, this.options.idleTimeoutMillis);
    this._idle.push(entry);
  }

  _serveWaiter() {
    const waiter = this._waiters.shift();
    if (waiter) this._acquire().then(waiter.resolve, waiter.reject);
  }

  connect(cb) {
    const promise = this._acquire();
    if (typeof cb !== "function") return promise;
    promise.then(
      (client) => queueMicrotask(() => cb(null, client, (err) => client.release(err))),
      (err) => queueMicrotask(() => cb(err, undefined, () => {})),
    );
    return undefined;
  }

  query(text, values, cb) {
    if (typeof values === "function") [values, cb] = [undefined, values];
    const promise = this._acquire().then((client) =>
      client.query(text, values).then(
        (result) => {
          this._release(client);
          return result;
        },
        (err) => {
          this._release(client);
          throw err;
        },
      ),
    );
    return settle(promise, cb);
  }

  end(cb) {
    this.ended = true;
    const idle = this._idle.splice(0);
    for (const waiter of this._waiters.splice(0)) waiter.reject(new Error("Pool was ended"));
    const promise = Promise.all(idle.map(({ client, timer }) => (clearTimeout(timer), client.end()))).then(() => undefined);
    return settle(promise, cb);
  }
}

// pg < 7: `pg.connect(conString, cb(err, client, done))` used one default pool per settings.
const defaultPools = new Map();
function connect(config, cb) {
  if (typeof config === "function") [config, cb] = [{}, config];
  const key = JSON.stringify(plainConfig(config));
  if (!defaultPools.has(key)) defaultPools.set(key, new Pool(config));
  return defaultPools.get(key).connect(cb);
}
function end() {
  for (const pool of defaultPools.values()) pool.end();
  defaultPools.clear();
}

const pg = { Client, Pool, connect, end, defaults: { poolSize: 10, port: 5432 }, native: null };
pg.default = pg;
module.exports = pg;
