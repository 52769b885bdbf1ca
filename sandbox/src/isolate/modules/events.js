// Internal only (never on the allow-list): the EventEmitter the database shims extend, so scripts
// can call client.on('error', ...), once, removeListener as they do with the real drivers.
class EventEmitter {
  on(name, fn) {
    if (!this._events) this._events = Object.create(null);
    (this._events[name] = this._events[name] || []).push(fn);
    return this;
  }
  once(name, fn) {
    const wrapper = (...args) => {
      this.removeListener(name, wrapper);
      fn.apply(this, args);
    };
    wrapper.listener = fn;
    return this.on(name, wrapper);
  }
  removeListener(name, fn) {
    const list = this._events && this._events[name];
    if (list) this._events[name] = list.filter((f) => f !== fn && f.listener !== fn);
    return this;
  }
  removeAllListeners(name) {
    if (this._events) {
      if (name === undefined) this._events = Object.create(null);
      else delete this._events[name];
    }
    return this;
  }
  listenerCount(name) {
    return ((this._events && this._events[name]) || []).length;
  }
  emit(name, ...args) {
    const list = ((this._events && this._events[name]) || []).slice();
    if (name === "error" && list.length === 0) throw args[0];
    for (const fn of list) fn.apply(this, args);
    return list.length > 0;
  }
}
EventEmitter.prototype.addListener = EventEmitter.prototype.on;
EventEmitter.prototype.off = EventEmitter.prototype.removeListener;
EventEmitter.EventEmitter = EventEmitter;
module.exports = EventEmitter;
