// Per-isolate table of open clients (database connections, HTTP requests). The script only ever
// sees a handle number; the client, its socket and its slot in the connection's socket budget stay
// here, and `closeAll` ends them when the isolate is recycled or disposed.
//
// A connect takes seconds and the isolate may go away meanwhile (the run timed out): `closeAll` also
// aborts connects still in progress (registered with `connecting`), and the table stays closed, so a
// client that finishes connecting after all is ended at once by `add` instead of being kept forever
// with its socket-budget slot.
"use strict";
const { BridgeError } = require("./bridge-error");

class Handles {
  constructor(kind) {
    this.kind = kind;
    this.open = new Map(); // handle -> { client, release, close }
    this.pending = new Set(); // abort functions of connects in progress
    this.next = 1;
    this.closed = false;
  }

  closedError() {
    return new BridgeError("The sandbox is shutting down this script", { code: "ERR_CLOSED" });
  }

  // Throws when the isolate has gone: call after any await, before taking a socket-budget slot.
  assertOpen() {
    if (this.closed) throw this.closedError();
  }

  // Registers a connect in progress; closeAll calls abort() (which must make the connect fail).
  // Returns the function to call once the connect has settled either way.
  connecting(abort) {
    this.assertOpen();
    this.pending.add(abort);
    return () => this.pending.delete(abort);
  }

  add(client, { release, close }) {
    if (this.closed) {
      release();
      Promise.resolve()
        .then(() => close(client))
        .catch(() => {});
      throw this.closedError();
    }
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
    this.closed = true;
    for (const abort of [...this.pending]) {
      try {
        abort();
      } catch (e) {
        // the client is going away in any case
      }
    }
    this.pending.clear();
    const handles = [...this.open.keys()];
    await Promise.allSettled(handles.map((h) => this.end(h)));
  }
}

module.exports = { Handles };
