// Runs one action script in plain Node (no sandbox), the way an Auth0-style runtime calls it: the
// script's globals (configuration, WrongUsernameOrPasswordError, ValidationError, UnauthorizedError),
// `require('name@version')` mapped to a real package folder, and the function called with its
// arguments and a callback. For comparing with scriptd (bench, and tests that prove a peer in plain
// Node). Input on stdin: {source, function_names, args, configuration, modules: {name@version: dir},
// repeat?}. Output: {status, value | error, ms: [per call]}.
'use strict';
const path = require('node:path');
const vm = require('node:vm');

class WrongUsernameOrPasswordError extends Error {
  constructor(userId, message) {
    super(message || 'Wrong email or password.');
    this.name = 'WrongUsernameOrPasswordError';
    this.user_id = userId;
  }
}
class ValidationError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'ValidationError';
    this.code = code;
  }
}
class UnauthorizedError extends Error {
  constructor(message) {
    super(message);
    this.name = 'UnauthorizedError';
  }
}

function main(input) {
  const modules = input.modules || {};
  const scriptRequire = (name) => {
    if (modules[name]) return require(path.resolve(modules[name]));
    const bare = name.replace(/^(@?[^@]+)@.*$/, '$1');
    if (modules[bare]) return require(path.resolve(modules[bare]));
    return require(bare);
  };
  const sandbox = {
    require: scriptRequire,
    configuration: input.configuration || {},
    console,
    Buffer,
    setTimeout,
    clearTimeout,
    WrongUsernameOrPasswordError,
    ValidationError,
    UnauthorizedError,
  };
  vm.createContext(sandbox);
  vm.runInContext(input.source, sandbox);
  const fn = input.function_names.map((n) => sandbox[n]).find((f) => typeof f === 'function');
  const call = () =>
    new Promise((resolve) => {
      fn(...input.args, (err, value) => resolve(err ? { status: 'error', error: { name: err.name, message: err.message, code: err.code } } : { status: 'ok', value: value === undefined ? null : value }));
    });
  return (async () => {
    const ms = [];
    let outcome;
    for (let i = 0; i < (input.repeat || 1); i += 1) {
      const started = process.hrtime.bigint();
      outcome = await call();
      ms.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    return Object.assign(outcome, { ms });
  })();
}

let raw = '';
process.stdin.on('data', (chunk) => (raw += chunk));
process.stdin.on('end', () => {
  main(JSON.parse(raw)).then((out) => console.log(JSON.stringify(out)), (err) => {
    console.log(JSON.stringify({ status: 'crash', error: { name: err.name, message: err.message } }));
    process.exitCode = 1;
  });
});
