// Node's `url`: the WHATWG classes plus the legacy parse/format/resolve functions.
const legacy = require("url/");
const { URL, URLSearchParams } = require("whatwg-url");

module.exports = { ...legacy, URL, URLSearchParams };
