function login(userNameOrEmail, password, callback) {
  // Check the credentials against your user store, then answer once with one of:
  //   callback(null, { user_id: '__CONNECTION__|' + id, email: email })   the user signed in
  //   callback(new WrongUsernameOrPasswordError(userNameOrEmail))          wrong credentials
  //   callback(new Error('why'))                                           the store is unreachable
  return callback(new Error('The login script of the __CONNECTION__ connection is not written yet.'));
}
