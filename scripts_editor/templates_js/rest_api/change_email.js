/*
 * REST API template: your own small API in front of the user database, reached with a bearer
 * token, so this connection holds no database credentials (the recommended setup).
 * Configuration: API_URL (https://users.example.com), API_TOKEN (a token with only these rights).
 * The API these scripts expect, with bcrypt hashes made and checked here:
 *   GET    /users?email=E   200 {id, email, nickname, email_verified, password_hash} | 404
 *   POST   /users           {email, password_hash, nickname}  201 | 409 (email taken)
 *   PATCH  /users?email=E   {email_verified} or {password_hash} or {email, email_verified}  200 | 404
 *   DELETE /users/ID        204 | 404
 */
async function changeEmail(email, newEmail, verified, callback) {
  const axios = require('axios');

  // Every request carries the token and gives up after 10 s rather than hang the login.
  const base = String(configuration.API_URL).replace(/\/+$/, '');
  const options = { headers: { Authorization: 'Bearer ' + configuration.API_TOKEN }, timeout: 10000 };
  const statusOf = (err) => (err.response ? err.response.status : 0);

  try {
    const changes = { email: newEmail, email_verified: verified === true };
    await axios.patch(base + '/users?email=' + encodeURIComponent(email), changes, options);
  } catch (err) {
    if (statusOf(err) === 404) return callback(null, false);
    return callback(new Error('Could not change the email address: ' + err.message));
  }
  return callback(null, true);
}
