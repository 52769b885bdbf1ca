// Node's `assert`, the part packages use at run time (zlib, drivers): ok/equal/strictEqual/deepEqual/throws.
"use strict";
class AssertionError extends Error {
  constructor(options = {}) {
    super(options.message || "Assertion failed");
    this.name = "AssertionError";
    this.code = "ERR_ASSERTION";
    Object.assign(this, { actual: options.actual, expected: options.expected, operator: options.operator });
  }
}
const fail = (message, actual, expected, operator) => {
  if (message instanceof Error) throw message;
  throw new AssertionError({ message, actual, expected, operator });
};
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
function assert(value, message) {
  if (!value) fail(message || "The expression evaluated to a falsy value", value, true, "==");
}
Object.assign(assert, {
  AssertionError,
  ok: assert,
  fail: (message) => fail(message || "Failed"),
  equal: (a, b, m) => a == b || fail(m || `${a} == ${b}`, a, b, "=="),
  notEqual: (a, b, m) => a != b || fail(m || `${a} != ${b}`, a, b, "!="),
  strictEqual: (a, b, m) => Object.is(a, b) || fail(m || `Expected values to be strictly equal: ${a} !== ${b}`, a, b, "strictEqual"),
  notStrictEqual: (a, b, m) => !Object.is(a, b) || fail(m || `Expected "actual" to be strictly unequal to: ${b}`, a, b, "notStrictEqual"),
  deepEqual: (a, b, m) => same(a, b) || fail(m || "Expected values to be loosely deep-equal", a, b, "deepEqual"),
  deepStrictEqual: (a, b, m) => same(a, b) || fail(m || "Expected values to be strictly deep-equal", a, b, "deepStrictEqual"),
  notDeepStrictEqual: (a, b, m) => !same(a, b) || fail(m || "Expected values not to be deep-equal", a, b, "notDeepStrictEqual"),
  throws(fn, _expected, m) {
    try {
      fn();
    } catch (e) {
      return;
    }
    fail(typeof m === "string" ? m : "Missing expected exception.");
  },
  ifError: (value) => {
    if (value !== null && value !== undefined) throw value;
  },
});
assert.strict = assert;
module.exports = assert;
