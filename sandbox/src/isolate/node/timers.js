// Node's `timers`: the sandbox's own timers (the host owns the clock), as the globals are, plus the
// old enroll/active/unenroll API that mysql's sequence timers still use.
"use strict";
const enrolled = new WeakMap(); // object -> pending timeout handle

function unenroll(item) {
  const handle = enrolled.get(item);
  if (handle) clearTimeout(handle);
  enrolled.delete(item);
}
function enroll(item, msecs) {
  unenroll(item);
  item._idleTimeout = msecs;
}
function active(item) {
  if (item && typeof item.refresh === "function") return void item.refresh(); // a Timeout (setTimeout's)
  unenroll(item);
  if (!(item._idleTimeout >= 0)) return;
  enrolled.set(
    item,
    setTimeout(() => {
      enrolled.delete(item);
      if (typeof item._onTimeout === "function") item._onTimeout();
    }, item._idleTimeout),
  );
}

module.exports = { setTimeout, clearTimeout, setInterval, clearInterval, setImmediate, clearImmediate, enroll, unenroll, active };
module.exports.promises = require("timers/promises");
