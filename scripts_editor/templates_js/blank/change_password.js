function changePassword(email, newPassword, callback) {
  // Store a bcrypt hash of newPassword, then answer once with callback(null, true) when it changed,
  // callback(null, false) when there is no such user, or callback(new Error('why')).
  return callback(new Error('The change_password script of the __CONNECTION__ connection is not written yet.'));
}
