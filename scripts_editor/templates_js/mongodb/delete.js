/*
 * MongoDB template: a collection `users` of documents {email, password, nickname, email_verified}
 * where `password` holds a bcrypt hash and `email` has a unique index. Configuration: MONGO_URI (a
 * mongodb:// or mongodb+srv:// connection string with its credentials, e.g.
 * mongodb+srv://app:secret@cluster0.example.net/) and MONGO_DATABASE. The driver is pinned to
 * mongodb 6 and used with promises; 3.x-5.x take the same calls.
 */
async function deleteUser(id, callback) {
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

  const { ObjectId } = require('mongodb@6');
  // login and get_user return '__CONNECTION__|<ObjectId>'; the document's _id is the ObjectId.
  const prefix = '__CONNECTION__|';
  const hex = String(id).startsWith(prefix) ? String(id).slice(prefix.length) : String(id);
  if (!ObjectId.isValid(hex)) return callback(null); // not one of ours: nothing to delete
  try {
    await withUsers((users) => users.deleteOne({ _id: new ObjectId(hex) }));
  } catch (err) {
    return callback(new Error('Could not delete the user: ' + err.message));
  }
  return callback(null);
}
