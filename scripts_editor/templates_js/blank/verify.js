function verify(email, callback) {
  // Mark the email address as verified, then answer once with callback(null, true),
  // or callback(new Error('why')) when that was not possible.
  return callback(new Error('The verify script of the __CONNECTION__ connection is not written yet.'));
}
