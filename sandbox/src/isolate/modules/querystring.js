// Node's `querystring`: querystring-es3 (parse, stringify) plus escape/unescape, which it lacks and
// mongodb 3.x calls on connection strings. Node's unescape falls back to the raw text on bad escapes.
const qs = require("querystring-es3");

function unescape(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

module.exports = { ...qs, decode: qs.parse, encode: qs.stringify, escape: (text) => encodeURIComponent(text), unescape };
