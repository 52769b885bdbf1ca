// Internal only: tedious requires the deprecated `constants` built-in for one TLS option (the host's
// TLS, bridges/net.js, applies its own). The values are Node's, on Linux.
"use strict";
module.exports = { SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS: 2048, SSL_OP_NO_SSLv2: 0, SSL_OP_NO_SSLv3: 33554432, SSL_OP_NO_TLSv1: 67108864, O_RDONLY: 0 };
