/*
 * Oracle template (oracledb, its pure-JS thin mode): a table USERS(ID NUMBER GENERATED ALWAYS AS
 * IDENTITY PRIMARY KEY, EMAIL VARCHAR2(255) UNIQUE, PASSWORD VARCHAR2(255), NICKNAME VARCHAR2(255),
 * EMAIL_VERIFIED NUMBER(1) DEFAULT 0) where PASSWORD holds a bcrypt hash. Configuration:
 * ORACLE_CONNECT_STRING (host:port/service, e.g. db.example.com:1521/ORCLPDB1), ORACLE_USER,
 * ORACLE_PASSWORD.
 */
async function login(email, password, callback) {
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

  let row;
  try {
    const result = await query(
      'SELECT ID, EMAIL, PASSWORD, NICKNAME, EMAIL_VERIFIED FROM USERS WHERE EMAIL = :email', { email: email });
    row = result.rows[0];
  } catch (err) {
    return callback(new Error('Could not read the user database: ' + err.message));
  }
  if (!row) return callback(new WrongUsernameOrPasswordError(email));

  let matches = false;
  try {
    matches = await bcrypt.compare(password, row.PASSWORD || '');
  } catch (err) {
    return callback(new Error('Could not check the password hash: ' + err.message));
  }
  if (!matches) return callback(new WrongUsernameOrPasswordError(email));

  // Keep this profile identical to get_user's, so a user looks the same however they migrate.
  return callback(null, {
    user_id: '__CONNECTION__|' + row.ID,
    email: row.EMAIL,
    nickname: row.NICKNAME,
    email_verified: row.EMAIL_VERIFIED === 1,
  });
}
