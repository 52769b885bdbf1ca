// Node's `timers/promises`.
"use strict";
const delay = (ms, value) => new Promise((resolve) => setTimeout(resolve, ms, value));
module.exports = {
  setTimeout: delay,
  setImmediate: (value) => delay(0, value),
  async *setInterval(ms, value) {
    for (;;) yield await delay(ms, value);
  },
  scheduler: { wait: (ms) => delay(ms), yield: () => delay(0) },
};
