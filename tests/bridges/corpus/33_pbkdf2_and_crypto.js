// Node's crypto: pbkdf2 with a callback, randomBytes, timingSafeEqual, webcrypto digest (no database).
// args: ["alice@example.com", "pa55word"]
// expect: {"status": "ok", "value": {"user_id": "alice@example.com", "digest": 32}}
// wrong-password: WrongUsernameOrPasswordError
async function login(email, password, callback) {
  const crypto = require('crypto');
  const salt = Buffer.from('c2FsdHNhbHQ=', 'base64');
  const stored = crypto.pbkdf2Sync('pa55word', salt, 1000, 32, 'sha256');
  const digest = await crypto.webcrypto.subtle.digest('SHA-256', Buffer.from(email));
  crypto.pbkdf2(password, salt, 1000, 32, 'sha256', function (err, derived) {
    if (err) return callback(err);
    if (!crypto.timingSafeEqual(derived, stored)) return callback(new WrongUsernameOrPasswordError(email));
    callback(null, { user_id: email, digest: digest.byteLength });
  });
}
