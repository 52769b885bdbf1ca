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
async function getUser(email, callback) {
  const axios = require('axios');

  // Every request carries the token and gives up after 10 s rather than hang the login.
  const base = String(configuration.API_URL).replace(/\/+$/, '');
  const options = { headers: { Authorization: 'Bearer ' + configuration.API_TOKEN }, timeout: 10000 };
  const statusOf = (err) => (err.response ? err.response.status : 0);

  let found;
  try {
    found = (await axios.get(base + '/users?email=' + encodeURIComponent(email), options)).data;
  } catch (err) {
    if (statusOf(err) === 404) return callback(null);
    return callback(new Error('The user API did not answer: ' + err.message));
  }

  // Keep this profile identical in login and get_user, so a user looks the same however they migrate.
  return callback(null, {
    user_id: '__CONNECTION__|' + found.id,
    email: found.email,
    nickname: found.nickname,
    email_verified: found.email_verified === true,
  });
}
