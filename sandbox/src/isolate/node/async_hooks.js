// Internal only: oracledb requires `async_hooks` when it loads (AsyncLocalStorage for its optional
// token-based security context). The isolate has no async context tracking: the store is the one
// set by run()/enterWith() while that code runs synchronously, and is not carried into callbacks.
"use strict";
class AsyncLocalStorage {
  constructor() {
    this.store = undefined;
  }
  getStore() {
    return this.store;
  }
  run(store, fn, ...args) {
    const previous = this.store;
    this.store = store;
    try {
      return fn(...args);
    } finally {
      this.store = previous;
    }
  }
  exit(fn, ...args) {
    return this.run(undefined, fn, ...args);
  }
  enterWith(store) {
    this.store = store;
  }
  disable() {
    this.store = undefined;
  }
}
class AsyncResource {
  constructor(type) {
    this.type = type;
  }
  runInAsyncScope(fn, thisArg, ...args) {
    return fn.apply(thisArg, args);
  }
  bind(fn) {
    return fn;
  }
  static bind(fn) {
    return fn;
  }
  emitDestroy() {
    return this;
  }
}
module.exports = { AsyncLocalStorage, AsyncResource, executionAsyncId: () => 1, triggerAsyncId: () => 0, createHook: () => ({ enable() {}, disable() {} }) };
