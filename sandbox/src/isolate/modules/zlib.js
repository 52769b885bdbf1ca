// Node's `zlib`: browserify-zlib (pako). Node also groups the Z_* numbers under `constants`, where
// axios reads them; brotli is not available.
const zlib = require("browserify-zlib");

zlib.constants = zlib.constants || Object.fromEntries(Object.keys(zlib).filter((k) => /^Z_/.test(k)).map((k) => [k, zlib[k]]));
module.exports = zlib;
