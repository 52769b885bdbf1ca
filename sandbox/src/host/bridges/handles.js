// Per-isolate table of open clients (database connections, HTTP requests). The script only ever
// sees a handle number; the client, its socket and its slot in the connection's socket budget stay
// here, and `closeAll` ends them when the isolate is recycled or disposed.
"use strict";
const { BridgeError } = require("./bridge-error");

class Handles {
  constructor(kind) {
    this.kind = kind;
    this.open = new Map(); // handle -> { client, release, close }
    this.next = 1;
  }

  add(client, { release, close }) {
    const handle = this.next++;
    this.open.set(handle, { client, release, close });
    return handle;
  }

  get(handle) {
    const entry = this.open.get(Number(handle));
    if (!entry) throw new BridgeError(`This ${this.kind} connection is closed`, { code: "ERR_CLOSED" });
    return entry.client;
  }

  // Forgets the handle and frees its budget slot; the caller has closed (or lost) the client.
  forget(handle) {
    const entry = this.open.get(Number(handle));
    if (!entry) return null;
    this.open.delete(Number(handle));
    entry.release();
    return entry;
  }

  async end(handle) {
    const entry = this.forget(handle);
    if (entry) await entry.close(entry.client);
  }

  async closeAll() {
    const handles = [...this.open.keys()];
    await Promise.allSettled(handles.map((h) => this.end(h)));
  }
}

module.exports = { Handles };
