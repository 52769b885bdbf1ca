// dns answers only for allow-listed names: a script probing another name gets ENOTFOUND.
// args: ["alice@example.com", "pa55word"]
// expect: {"status": "ok", "value": {"code": "ENOTFOUND"}}
// wrong-password: same (the script checks no password)
function login(email, password, callback) {
  require('dns').lookup('metadata.google.internal', function (err) {
    callback(null, { code: err && err.code });
  });
}
