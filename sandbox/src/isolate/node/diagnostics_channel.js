// Internal only: mssql requires `diagnostics_channel` when it loads, to trace queries for APMs. Nothing
// in an isolate subscribes, so every channel has no subscribers and traced calls run as they are.
"use strict";
class Channel {
  constructor(name) {
    this.name = name;
  }
  get hasSubscribers() {
    return false;
  }
  publish() {}
  subscribe() {}
  unsubscribe() {
    return false;
  }
  bindStore() {}
  unbindStore() {
    return false;
  }
  runStores(data, fn, thisArg, ...args) {
    return fn.apply(thisArg, args);
  }
}
class TracingChannel {
  constructor(name) {
    for (const event of ["start", "end", "asyncStart", "asyncEnd", "error"]) this[event] = new Channel(`tracing:${name}:${event}`);
  }
  get hasSubscribers() {
    return false;
  }
  subscribe() {}
  unsubscribe() {
    return false;
  }
  traceSync(fn, context, thisArg, ...args) {
    return fn.apply(thisArg, args);
  }
  tracePromise(fn, context, thisArg, ...args) {
    return fn.apply(thisArg, args);
  }
  traceCallback(fn, position, context, thisArg, ...args) {
    return fn.apply(thisArg, args);
  }
}
const channels = new Map();
function channel(name) {
  if (!channels.has(name)) channels.set(name, new Channel(name));
  return channels.get(name);
}
module.exports = {
  channel,
  hasSubscribers: () => false,
  subscribe: () => {},
  unsubscribe: () => false,
  tracingChannel: (name) => new TracingChannel(name),
  Channel,
};
