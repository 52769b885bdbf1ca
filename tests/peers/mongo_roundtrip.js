// Drives a real `mongodb` driver (the module path is argv[2]) against the URI in argv[3] through
// insertOne / findOne / updateOne / countDocuments / find / deleteOne, and prints what it read as JSON.
// Run in plain Node by tests/peers/test_mongo_peer.py and bench (no sandbox involved).
'use strict';
const { MongoClient } = require(process.argv[2]);

async function main(uri, extra) {
  const options = Object.assign({ serverSelectionTimeoutMS: 5000 }, extra);
  if (require(process.argv[2] + '/package.json').version.startsWith('3.')) options.useUnifiedTopology = true;
  const client = new MongoClient(uri, options);
  await client.connect();
  try {
    const users = client.db().collection('users');
    const inserted = await users.insertOne({ email: 'ann@example.com', nickname: 'ann', logins: 0 });
    const found = await users.findOne({ email: 'ann@example.com' });
    const updated = await users.updateOne({ email: 'ann@example.com' }, { $inc: { logins: 1 } });
    const count = await users.countDocuments({ email: /@example\.com$/ });
    const all = await users.find({}).sort({ email: 1 }).toArray();
    const deleted = await users.deleteOne({ _id: found._id });
    const after = await users.findOne({ email: 'ann@example.com' });
    return {
      version: require(process.argv[2] + '/package.json').version,
      insertedId: String(inserted.insertedId),
      found: { email: found.email, id: String(found._id) },
      modified: updated.modifiedCount,
      count,
      emails: all.map((u) => u.email),
      logins: all.find((u) => u.email === 'ann@example.com').logins,
      deleted: deleted.deletedCount,
      after,
    };
  } finally {
    await client.close();
  }
}

main(process.argv[3], JSON.parse(process.argv[4] || '{}')).then(
  (out) => console.log(JSON.stringify(out)),
  (err) => {
    console.log(JSON.stringify({ error: err.name, message: err.message, code: err.code }));
    process.exitCode = 1;
  },
);
