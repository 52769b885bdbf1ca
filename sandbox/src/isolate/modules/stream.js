// Node's `stream`: stream-browserify (readable-stream 3). As in Node, readable and writable streams
// are instances of the legacy Stream, which packages test for (node-fetch: `body instanceof Stream`).
const Stream = require("stream-browserify");

for (const Class of [Stream.Readable, Stream.Writable]) Object.setPrototypeOf(Class.prototype, Stream.prototype);
module.exports = Stream;
