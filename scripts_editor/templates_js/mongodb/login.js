/*
 * MongoDB template: a collection `users` of documents {email, password, nickname, email_verified}
 * where `password` holds a bcrypt hash and `email` has a unique index. Configuration: MONGO_URI (a
 * mongodb:// or mongodb+srv:// connection string with its credentials, e.g.
 * mongodb+srv://app:secret@cluster0.example.net/) and MONGO_DATABASE. The driver is pinned to
 * mongodb 6 and used with promises; 3.x-5.x take the same calls.
 */
async function login(email, password, callback) {
  const bcrypt = require('bcrypt');
  const { MongoClient } = require('mongodb@6');

  // One short-lived client per run: nothing is shared between runs, and every path closes it.
  async function withUsers(work) {
    const client = new MongoClient(configuration.MONGO_URI, {
      serverSelectionTimeoutMS: 5000,
      connectTimeoutMS: 5000,
      maxPoolSize: 1,
    });
    await client.connect();
    try {
      return await work(client.db(configuration.MONGO_DATABASE).collection('users'));
    } finally {
      await client.close();
    }
  }

  let user;
  try {
    user = await withUsers((users) => users.findOne({ email: email }));
  } catch (err) {
    return callback(new Error('Could not read the user database: ' + err.message));
  }
  if (!user) return callback(new WrongUsernameOrPasswordError(email));

  let matches = false;
  try {
    matches = await bcrypt.compare(password, user.password || '');
  } catch (err) {
    return callback(new Error('Could not check the password hash: ' + err.message));
  }
  if (!matches) return callback(new WrongUsernameOrPasswordError(email));

  // Keep this profile identical to get_user's, so a user looks the same however they migrate.
  return callback(null, {
    user_id: '__CONNECTION__|' + user._id.toString(),
    email: user.email,
    nickname: user.nickname,
    email_verified: user.email_verified === true,
  });
}
