function changeEmail(email, newEmail, verified, callback) {
  // Replace the address (and store `verified` as its verified flag), then answer once with
  // callback(null, true) when it changed, callback(null, false) when not, or callback(new Error('why')).
  return callback(new Error('The change_email script of the __CONNECTION__ connection is not written yet.'));
}
