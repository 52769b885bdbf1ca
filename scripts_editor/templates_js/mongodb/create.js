/*
 * MongoDB template: a collection `users` of documents {email, password, nickname, email_verified}
 * where `password` holds a bcrypt hash and `email` has a unique index. Configuration: MONGO_URI (a
 * mongodb:// or mongodb+srv:// connection string with its credentials, e.g.
 * mongodb+srv://app:secret@cluster0.example.net/) and MONGO_DATABASE. The driver is pinned to
 * mongodb 6 and used with promises; 3.x-5.x take the same calls.
 */
async function create(user, callback) {
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

  const exists = () => new ValidationError('user_exists', 'A user with this email address already exists.');
  let inserted;
  try {
    const hash = await bcrypt.hash(user.password, 10);
    inserted = await withUsers(async (users) => {
      if (await users.findOne({ email: user.email })) return false;
      await users.insertOne({
        email: user.email,
        password: hash,
        nickname: user.username || user.email.split('@')[0],
        email_verified: false,
      });
      return true;
    });
  } catch (err) {
    // 11000 is a duplicate key: another sign-up with this email won the race (unique index on email).
    if (err.code === 11000) return callback(exists());
    return callback(new Error('Could not create the user: ' + err.message));
  }
  if (!inserted) return callback(exists());
  return callback(null);
}
