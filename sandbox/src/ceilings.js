// scriptd's hard safety ceilings. The rules of a run (a connection's time limit, the isolate heap)
// are Django's (scriptd_client/limits.py) and come with every request; whatever a request asks,
// scriptd never gives a run more than this.
"use strict";

module.exports = {
  TIMEOUT_MS: 5 * 60_000,
  MEMORY_MB: 1024,
};
