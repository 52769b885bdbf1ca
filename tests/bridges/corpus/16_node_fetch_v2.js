// node-fetch v2: require('node-fetch') is the function; res.buffer(); then-chains.
// expect: {"status": "ok", "value": {"status": 200, "text": "plain words", "type": "text/plain"}}
// wrong-password: same (the script only reads a public text resource)
function login(email, password, callback) {
  const fetch = require('node-fetch');
  fetch(configuration.API_URL + '/text', { timeout: 5000 })
    .then((res) => res.buffer().then((buf) => callback(null, { status: res.status, text: buf.toString(), type: res.headers.get('content-type') })))
    .catch(callback);
}
