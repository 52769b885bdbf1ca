/*
 * MongoDB template: a collection `users` of documents {email, password, nickname, email_verified}
 * where `password` holds a bcrypt hash and `email` has a unique index. Configuration: MONGO_URI (a
 * mongodb:// or mongodb+srv:// connection string with its credentials, e.g.
 * mongodb+srv://app:secret@cluster0.example.net/) and MONGO_DATABASE. The driver is pinned to
 * mongodb 6 and used with promises; 3.x-5.x take the same calls.
 */
async function changePassword(email, newPassword, callback) {
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

  let result;
  try {
    const hash = await bcrypt.hash(newPassword, 10);
    result = await withUsers((users) => users.updateOne({ email: email }, { $set: { password: hash } }));
  } catch (err) {
    return callback(new Error('Could not change the password: ' + err.message));
  }
  // false tells the flow nothing changed (no such user).
  return callback(null, result.matchedCount > 0);
}
