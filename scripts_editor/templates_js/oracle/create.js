/*
 * Oracle template (oracledb, its pure-JS thin mode): a table USERS(ID NUMBER GENERATED ALWAYS AS
 * IDENTITY PRIMARY KEY, EMAIL VARCHAR2(255) UNIQUE, PASSWORD VARCHAR2(255), NICKNAME VARCHAR2(255),
 * EMAIL_VERIFIED NUMBER(1) DEFAULT 0) where PASSWORD holds a bcrypt hash. Configuration:
 * ORACLE_CONNECT_STRING (host:port/service, e.g. db.example.com:1521/ORCLPDB1), ORACLE_USER,
 * ORACLE_PASSWORD.
 */
async function create(user, callback) {
  const bcrypt = require('bcrypt');
  const oracledb = require('oracledb');

  // One short-lived connection per run: nothing is shared between runs, and every path closes it.
  async function query(sql, binds) {
    const connection = await oracledb.getConnection({
      user: configuration.ORACLE_USER,
      password: configuration.ORACLE_PASSWORD,
      connectString: configuration.ORACLE_CONNECT_STRING,
      connectTimeout: 5,
    });
    try {
      return await connection.execute(sql, binds, { autoCommit: true, outFormat: oracledb.OUT_FORMAT_OBJECT });
    } finally {
      await connection.close();
    }
  }

  const exists = () => new ValidationError('user_exists', 'A user with this email address already exists.');
  let found;
  try {
    found = await query('SELECT 1 AS ONE FROM USERS WHERE EMAIL = :email', { email: user.email });
  } catch (err) {
    return callback(new Error('Could not read the user database: ' + err.message));
  }
  if (found.rows.length > 0) return callback(exists());

  try {
    const hash = await bcrypt.hash(user.password, 10);
    await query(
      'INSERT INTO USERS (EMAIL, PASSWORD, NICKNAME, EMAIL_VERIFIED) VALUES (:email, :password, :nickname, 0)',
      { email: user.email, password: hash, nickname: user.username || user.email.split('@')[0] });
  } catch (err) {
    // ORA-00001: a unique constraint, another sign-up with this email won the race.
    if (err.errorNum === 1) return callback(exists());
    return callback(new Error('Could not create the user: ' + err.message));
  }
  return callback(null);
}
