// get_user with async/await and axios, returning null for an unknown user (404).
// kind: get_user
// args: ["nobody@example.com"]
// expect: {"status": "ok", "value": null}
// wrong-secret: API_TOKEN
// wrong-password: {"status": "error", "code": "ERR_BAD_REQUEST"}
async function getUser(email) {
  try {
    const { data } = await require('axios').get(configuration.API_URL + '/users', { params: { email }, headers: { Authorization: 'Bearer ' + configuration.API_TOKEN } });
    return { user_id: data.id, email: data.email };
  } catch (err) {
    if (err.response && err.response.status === 404) return null;
    throw err;
  }
}
