// Host side of `pg`: real node-postgres clients, one per handle, connected to the address the
// egress policy resolved (pinned). The isolate sends plain connection settings; only known keys are
// used, so a script cannot slip in a socket path, a custom stream or TLS files from the host.
"use strict";
const pg = require("pg");
const parseConnectionString = require("pg-connection-string").parse;
const { BridgeError, driverError } = require("./bridge-error");
const { resolveTarget, sockets } = require("./egress");
const { Handles } = require("./handles");
const { encodeRows } = require("./values");

const MAX_TIMEOUT_MS = 60_000;
const ERROR_FIELDS = ["severity", "detail", "hint", "position", "schema", "table", "column", "dataType", "constraint", "routine"];

const dbError = (e) => driverError(e, ERROR_FIELDS);

const ms = (value) => (Number.isFinite(Number(value)) && Number(value) > 0 ? Math.min(Number(value), MAX_TIMEOUT_MS) : undefined);

// The settings a script may choose, from a config object or a connection string (its `?host=`,
// `sslcert`/`sslkey` file options and the like are ignored).
function settingsOf(raw) {
  const config = typeof raw === "string" ? { connectionString: raw } : raw && typeof raw === "object" ? raw : {};
  const fromString = typeof config.connectionString === "string" ? parseConnectionString(config.connectionString) : {};
  const pick = (key) => (config[key] !== undefined && config[key] !== null ? config[key] : fromString[key]);
  let ssl = pick("ssl");
  if (typeof ssl === "string") ssl = !["false", "0", "disable", ""].includes(ssl);
  if (ssl && typeof ssl === "object") ssl = { rejectUnauthorized: ssl.rejectUnauthorized !== false, ca: typeof ssl.ca === "string" ? ssl.ca : undefined };
  else ssl = Boolean(ssl);
  if (fromString.sslmode === "no-verify" || fromString.sslmode === "require") ssl = { rejectUnauthorized: false };
  return {
    host: pick("host") || "localhost",
    port: Number(pick("port") || 5432),
    user: pick("user") === undefined ? undefined : String(pick("user")),
    password: pick("password") === undefined ? undefined : String(pick("password")),
    database: pick("database") === undefined ? undefined : String(pick("database")),
    ssl,
    connectionTimeoutMillis: ms(pick("connectionTimeoutMillis")) || 10_000,
    statement_timeout: ms(pick("statement_timeout")),
    query_timeout: ms(pick("query_timeout")) || MAX_TIMEOUT_MS,
    application_name: typeof config.application_name === "string" ? config.application_name : "trickle-script",
  };
}

const methods = {
  async connect({ config }, state, { policy }) {
    const settings = settingsOf(config);
    const target = await resolveTarget(policy, settings.host, settings.port);
    state.assertOpen(); // the isolate may have gone during the lookup
    const release = sockets.take(policy);
    // TLS still checks the certificate against the name the script gave, not the pinned address.
    const ssl = settings.ssl && { ...(settings.ssl === true ? {} : settings.ssl), servername: settings.host };
    const client = new pg.Client({ ...settings, host: target.address, port: target.port, ssl });
    client.on("error", () => {}); // a dropped connection surfaces on the next query instead
    // If the isolate goes away mid-connect, the connect fails now (as pg's own connect timeout does).
    const settled = state.connecting(() => client.connection.stream.destroy(new Error("The sandbox is shutting down this script")));
    try {
      await client.connect();
    } catch (e) {
      release();
      client.end().catch(() => {});
      throw dbError(e);
    } finally {
      settled();
    }
    const handle = state.add(client, { release, close: (c) => c.end() }); // ends it if the isolate went
    client.on("end", () => state.forget(handle));
    return { handle };
  },

  async query({ handle, text, values, rowMode }, state) {
    const client = state.get(handle);
    if (typeof text !== "string") throw new BridgeError("Client was passed a null or undefined query", { name: "TypeError" });
    try {
      const result = await client.query({ text, values: Array.isArray(values) ? values : undefined, rowMode: rowMode === "array" ? "array" : undefined });
      const results = Array.isArray(result) ? result : [result];
      return results.map((r) => ({
        command: r.command,
        rowCount: r.rowCount,
        rows: encodeRows(r.rows),
        fields: (r.fields || []).map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
      }));
    } catch (e) {
      throw dbError(e);
    }
  },

  end: ({ handle }, state) => state.end(handle).then(() => null),
};

module.exports = { methods, open: () => new Handles("PostgreSQL"), close: (state) => state.closeAll() };
