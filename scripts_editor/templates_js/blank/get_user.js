function getUser(email, callback) {
  // Look the user up by email and answer once with:
  //   callback(null, profile)   the same profile login returns (same user_id)
  //   callback(null)            there is no such user
  //   callback(new Error('why'))
  return callback(new Error('The get_user script of the __CONNECTION__ connection is not written yet.'));
}
