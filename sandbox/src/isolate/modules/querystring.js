// Node's `querystring`: querystring-es3's parse/stringify plus escape/unescape, which it lacks
// (mongodb 3.x's connection-string parser calls unescape).
const qs = require("querystring-es3");

function unescape(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    // Like Node, a malformed sequence does not throw: decode each well-formed %XX and keep the rest.
    return String(text).replace(/%[0-9a-fA-F]{2}/g, (m) => String.fromCharCode(parseInt(m.slice(1), 16)));
  }
}

module.exports = { ...qs, escape: encodeURIComponent, unescape };
