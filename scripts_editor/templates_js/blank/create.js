function create(user, callback) {
  // Store user.email, a bcrypt hash of user.password (never the password itself) and, when the
  // connection requires it, user.username. Answer once with:
  //   callback(null)                                          created
  //   callback(new ValidationError('user_exists', 'why'))     the email is taken
  //   callback(new Error('why'))
  return callback(new Error('The create script of the __CONNECTION__ connection is not written yet.'));
}
