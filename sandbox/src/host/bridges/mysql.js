// Host side of `mysql`, `mysql2` and `mysql2/promise`: real mysql2 connections, one per handle,
// whose TCP stream goes to the address the egress policy resolved (pinned); the name the script gave
// stays the TLS server name. Only known settings are used (never `socketPath`, `stream`, `infile`).
"use strict";
const net = require("node:net");
const mysql = require("mysql2/promise");
const { BridgeError, driverError } = require("./bridge-error");
const { resolveTarget, sockets } = require("./egress");
const { Handles } = require("./handles");
const { encodeRows, encodeRow } = require("./values");

const MAX_TIMEOUT_MS = 60_000;
const ERROR_FIELDS = ["errno", "sqlState", "sqlMessage", "fatal"];
const FLAGS = ["dateStrings", "supportBigNumbers", "bigNumberStrings", "decimalNumbers", "multipleStatements"];

const dbError = (e) => driverError(e, ERROR_FIELDS);

// Settings from a config object or a mysql:// URL.
function settingsOf(raw) {
  let config = raw && typeof raw === "object" ? raw : {};
  const uri = typeof raw === "string" ? raw : typeof config.uri === "string" ? config.uri : null;
  if (uri) {
    const url = new URL(uri);
    config = {
      host: decodeURIComponent(url.hostname),
      port: url.port,
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database: decodeURIComponent(url.pathname.replace(/^\//, "")),
      ...config,
    };
  }
  const str = (key) => (config[key] === undefined || config[key] === null ? undefined : String(config[key]));
  const timeout = Number(config.connectTimeout);
  const settings = {
    host: str("host") || "localhost",
    port: Number(config.port || 3306),
    user: str("user"),
    password: str("password"),
    database: str("database"),
    charset: str("charset"),
    timezone: str("timezone"),
    connectTimeout: Number.isFinite(timeout) && timeout > 0 ? Math.min(timeout, MAX_TIMEOUT_MS) : 10_000,
  };
  for (const flag of FLAGS) if (config[flag] !== undefined) settings[flag] = Boolean(config[flag]);
  if (config.ssl) settings.ssl = { rejectUnauthorized: config.ssl.rejectUnauthorized !== false, ca: typeof config.ssl.ca === "string" ? config.ssl.ca : undefined };
  return settings;
}

// A SELECT gives rows; a write gives its result header (affectedRows, insertId, ...).
function shape(result, fields) {
  if (Array.isArray(result)) {
    if (result.length && !Array.isArray(result[0]) && result[0] && result[0].constructor && result[0].constructor.name === "ResultSetHeader") {
      return { kind: "multi", results: result.map((r) => shape(r, null)) };
    }
    return { kind: "rows", rows: encodeRows(result), fields: (fields || []).filter(Boolean).map((f) => ({ name: f.name, type: f.columnType })) };
  }
  return { kind: "header", header: encodeRow({ ...result }) };
}

const methods = {
  async connect({ config }, state, { policy }) {
    const settings = settingsOf(config);
    const target = await resolveTarget(policy, settings.host, settings.port);
    state.assertOpen(); // the isolate may have gone during the lookup
    const release = sockets.take(policy);
    let socket = null;
    // If the isolate goes away mid-connect, the handshake fails now with the destroyed socket.
    const settled = state.connecting(() => socket && socket.destroy(new Error("The sandbox is shutting down this script")));
    let connection;
    try {
      connection = await mysql.createConnection({
        ...settings,
        stream: () => (socket = net.connect({ host: target.address, port: target.port, family: target.family })),
      });
    } catch (e) {
      release();
      if (socket) socket.destroy();
      throw dbError(e);
    } finally {
      settled();
    }
    connection.on("error", () => {}); // a dropped connection surfaces on the next query instead
    // Ends the connection at once if the isolate went while it connected.
    const handle = state.add(connection, { release, close: (c) => c.end().catch(() => c.destroy()) });
    connection.connection.once("end", () => state.forget(handle));
    return { handle, threadId: connection.threadId };
  },

  async query({ handle, sql, values, execute, timeout }, state) {
    const connection = state.get(handle);
    if (typeof sql !== "string") throw new BridgeError("The query must be a string", { name: "TypeError" });
    const options = { sql, timeout: Math.min(Number(timeout) || MAX_TIMEOUT_MS, MAX_TIMEOUT_MS) };
    try {
      const [result, fields] = execute ? await connection.execute(options, values ?? []) : await connection.query(options, values);
      return shape(result, fields);
    } catch (e) {
      throw dbError(e);
    }
  },

  async ping({ handle }, state) {
    await state.get(handle).ping().catch((e) => {
      throw dbError(e);
    });
    return null;
  },

  end: ({ handle }, state) => state.end(handle).then(() => null),
};

module.exports = { methods, open: () => new Handles("MySQL"), close: (state) => state.closeAll() };
