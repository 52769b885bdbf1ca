/*
 * Oracle template (oracledb, its pure-JS thin mode): a table USERS(ID NUMBER GENERATED ALWAYS AS
 * IDENTITY PRIMARY KEY, EMAIL VARCHAR2(255) UNIQUE, PASSWORD VARCHAR2(255), NICKNAME VARCHAR2(255),
 * EMAIL_VERIFIED NUMBER(1) DEFAULT 0) where PASSWORD holds a bcrypt hash. Configuration:
 * ORACLE_CONNECT_STRING (host:port/service, e.g. db.example.com:1521/ORCLPDB1), ORACLE_USER,
 * ORACLE_PASSWORD.
 */
async function changeEmail(email, newEmail, verified, callback) {
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

  let result;
  try {
    result = await query(
      'UPDATE USERS SET EMAIL = :newEmail, EMAIL_VERIFIED = :verified WHERE EMAIL = :email',
      { newEmail: newEmail, verified: verified === true ? 1 : 0, email: email });
  } catch (err) {
    return callback(new Error('Could not change the email address: ' + err.message));
  }
  return callback(null, result.rowsAffected > 0);
}
