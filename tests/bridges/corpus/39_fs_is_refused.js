// A script that reads a file: the sandbox has no file system, and says so.
// expect: {"status": "error", "code": "MODULE_NOT_FOUND"}
// wrong-password: same (it fails at require, before any password)
function login(email, password, callback) {
  const fs = require('fs');
  callback(null, fs.readFileSync('/etc/passwd', 'utf8'));
}
