"""Action scripts whose "legacy store" lives inside the script: a JS object of users with bcrypt hashes.

Enough to drive every flow through the real scriptd without any I/O bridge. The store cannot change
between runs, so the writing scripts answer as a store would (user_exists for a known email, false for
an unknown one) and log what they would write; the PostgreSQL and MariaDB tests prove real writes.
"""

import json

import bcrypt

PASSWORD = "correct-horse-1"
# Cost 4 keeps the suite fast; the compare inside the script is bcryptjs, as in production.
LEGACY_USERS = {
    "ada@legacy.test": {"id": 1, "nickname": "ada", "username": "ada", "verified": True},
    "bob@legacy.test": {"id": 2, "nickname": "bob", "username": "bob", "verified": False},
}


def _store(connection_name: str) -> str:
    users = {
        email: {
            **fields,
            "hash": bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode(),
            "user_id": f"{connection_name}|{fields['id']}",
        }
        for email, fields in LEGACY_USERS.items()
    }
    return f"const USERS = {json.dumps(users)};\n"


PROFILE = """  const profile = { user_id: row.user_id, email: email, username: row.username, nickname: row.nickname,
    email_verified: row.verified, metadata: { plan: 'gold' }, user_metadata: { lang: 'en' },
    access_token: 'legacy-access-' + row.id };
"""

BODIES = {
    "login": """async function login(email, password, callback) {
  const bcrypt = require('bcryptjs');
  const found = Object.entries(USERS).find(([e, u]) => e === email.toLowerCase() || u.username === email);
  if (!found) return callback(new WrongUsernameOrPasswordError(email, 'No such user.'));
  const [, row] = found; email = found[0];
  if (email.startsWith('locked')) return callback(new UnauthorizedError('This account is locked.'));
  if (!(await bcrypt.compare(password, row.hash))) return callback(new WrongUsernameOrPasswordError(email));
  console.log('legacy login ok for', email);
%(profile)s  return callback(null, profile);
}""",
    "get_user": """function getUser(email, callback) {
  const row = USERS[email.toLowerCase()];
  console.log('get_user', email, row ? 'found' : 'not found');
  if (!row) return callback(null);
%(profile)s  return callback(null, profile);
}""",
    "create": """function create(user, callback) {
  if (USERS[user.email.toLowerCase()]) return callback(new ValidationError('user_exists', 'Taken.'));
  console.log('would insert', user.email, 'metadata', JSON.stringify(user.user_metadata));
  return callback(null);
}""",
    "verify": """function verify(email, callback) {
  if (!USERS[email.toLowerCase()]) return callback(new Error('No user with this email.'));
  console.log('would verify', email);
  return callback(null, true);
}""",
    "change_password": """function changePassword(email, newPassword, callback) {
  if (!USERS[email.toLowerCase()]) return callback(null, false);
  console.log('would store a new hash for', email);
  return callback(null, { last_password_reset: new Date().toISOString() });
}""",
    "delete": """function deleteUser(id, callback) {
  console.log('would delete', id);
  return callback(null);
}""",
    "change_email": """function changeEmail(email, newEmail, verified, callback) {
  if (!USERS[email.toLowerCase()]) return callback(null, false);
  console.log('would change', email, 'to', newEmail, verified);
  return callback(null, true);
}""",
}


def in_script_store(connection_name: str, **overrides: str) -> dict[str, str]:
    """All seven scripts over the in-script store; `overrides` replace bodies (e.g. login='...')."""
    store = _store(connection_name)
    bodies = {key: store + body.replace("%(profile)s", PROFILE) for key, body in BODIES.items()}
    return bodies | overrides
