// Internal only (never on the allow-list): jws subclasses Stream at load time but jsonwebtoken never
// streams, so an EventEmitter-shaped base class is enough.
function Stream() {
  this._events = {};
}
Stream.prototype.on = function on(name, fn) {
  (this._events[name] = this._events[name] || []).push(fn);
  return this;
};
Stream.prototype.once = Stream.prototype.on;
Stream.prototype.emit = function emit(name, ...args) {
  for (const fn of this._events[name] || []) fn.apply(this, args);
  return true;
};
Stream.prototype.pipe = function pipe(dest) {
  return dest;
};
Stream.Stream = Stream;
module.exports = Stream;
