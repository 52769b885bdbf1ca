// What a run is for, as the supervisor (which workers take Try runs) and the worker (host work, the Try
// gate) both read it: logins go before Try runs wherever they compete. A request that does not say:
// warm runs serve logins, fresh ones Try.
"use strict";

function purposeOf(request) {
  if (request.purpose === "login" || request.purpose === "try") return request.purpose;
  return request.mode === "warm" ? "login" : "try";
}

module.exports = { purposeOf };
