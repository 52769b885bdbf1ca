// Node's `stream`: stream-browserify (readable-stream 3). As in Node, readable and writable streams
// are instances of the legacy Stream, which packages test for (node-fetch: `body instanceof Stream`).
const Stream = require("stream-browserify");

for (const Class of [Stream.Readable, Stream.Writable]) Object.setPrototypeOf(Class.prototype, Stream.prototype);
module.exports = Stream;

// readable-stream's browser build leaves Readable.from out; Node's takes any (async) iterable.
Stream.Readable.from = function from(iterable, options) {
  const source = typeof iterable === "string" || iterable instanceof Uint8Array ? [iterable] : iterable;
  const iterator = source[Symbol.asyncIterator] ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  return new Stream.Readable({
    objectMode: true,
    ...options,
    read() {
      Promise.resolve(iterator.next()).then(
        ({ value, done }) => this.push(done ? null : value),
        (err) => this.destroy(err),
      );
    },
  });
};
