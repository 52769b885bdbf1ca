// Internal: Blob and FormData, Node's globals (V8 alone has none). auth0 4.x tests every request body
// with `instanceof FormData` / `instanceof Blob` before it sends JSON or URLSearchParams. node-fetch 2
// (the isolate's fetch) does not send bodies of these two classes: they hold values, nothing more.
"use strict";
const { Buffer } = require("buffer");

class Blob {
  constructor(parts = [], options = {}) {
    const chunks = [...parts].map((p) => (p instanceof Blob ? p._bytes : typeof p === "string" ? Buffer.from(p) : Buffer.from(ArrayBuffer.isView(p) ? p.buffer.slice(p.byteOffset, p.byteOffset + p.byteLength) : p)));
    this._bytes = Buffer.concat(chunks);
    this.type = options.type ? String(options.type).toLowerCase() : "";
  }
  get size() {
    return this._bytes.length;
  }
  async arrayBuffer() {
    return this._bytes.buffer.slice(this._bytes.byteOffset, this._bytes.byteOffset + this._bytes.length);
  }
  async text() {
    return this._bytes.toString("utf8");
  }
  slice(start, end, type) {
    return new Blob([this._bytes.subarray(start, end)], { type });
  }
  get [Symbol.toStringTag]() {
    return "Blob";
  }
}

class FormData {
  constructor() {
    this._entries = [];
  }
  append(name, value) {
    this._entries.push([String(name), value instanceof Blob ? value : String(value)]);
  }
  set(name, value) {
    this.delete(name);
    this.append(name, value);
  }
  get(name) {
    const found = this._entries.find(([n]) => n === String(name));
    return found ? found[1] : null;
  }
  getAll(name) {
    return this._entries.filter(([n]) => n === String(name)).map(([, v]) => v);
  }
  has(name) {
    return this._entries.some(([n]) => n === String(name));
  }
  delete(name) {
    this._entries = this._entries.filter(([n]) => n !== String(name));
  }
  forEach(fn, self) {
    for (const [n, v] of this._entries) fn.call(self, v, n, this);
  }
  *entries() {
    yield* this._entries.map((e) => [...e]);
  }
  *keys() {
    for (const [n] of this._entries) yield n;
  }
  *values() {
    for (const [, v] of this._entries) yield v;
  }
  [Symbol.iterator]() {
    return this.entries();
  }
  get [Symbol.toStringTag]() {
    return "FormData";
  }
}

module.exports = { Blob, FormData };
