// zlib and stream as utilities: gzip a profile and read it back through a pipeline.
// args: ["alice@example.com", "pa55word"]
// expect: {"status": "ok", "value": {"user_id": "alice@example.com", "roundTrip": true}}
// wrong-password: same (the script checks no password)
async function login(email, password, callback) {
  const zlib = require('zlib');
  const { Readable, Writable, pipeline } = require('stream');
  const packed = zlib.gzipSync(Buffer.from(JSON.stringify({ email })));
  const chunks = [];
  pipeline(Readable.from([packed]), zlib.createGunzip(), new Writable({ write(c, e, done) { chunks.push(c); done(); } }), (err) => {
    if (err) return callback(err);
    callback(null, { user_id: email, roundTrip: JSON.parse(Buffer.concat(chunks).toString()).email === email });
  });
}
