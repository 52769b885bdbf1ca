/*
 * ASP.NET Membership template (Universal Providers, SQL Server through tedious): dbo.Users(UserId
 * UNIQUEIDENTIFIER, ApplicationId, UserName, LastActivityDate) joined to dbo.Memberships(UserId,
 * ApplicationId, Email, Password, PasswordFormat, PasswordSalt, IsApproved, CreateDate, ...).
 * Password = base64 of HMACSHA256 keyed with the salt repeated to 64 bytes over the UTF-16LE
 * password; older SqlMembershipProvider rows (a 20-byte hash) are SHA1 of salt + UTF-16LE password.
 * PasswordSalt = base64 of 16 random bytes. New and changed passwords are written as HMACSHA256.
 * Configuration: MSSQL_SERVER, MSSQL_PORT (1433), MSSQL_DATABASE, MSSQL_USER, MSSQL_PASSWORD,
 * MSSQL_ENCRYPT ("false" turns TLS off), ASPNET_APPLICATION_ID (the ApplicationId new users get).
 */
async function changePassword(email, newPassword, callback) {
  const crypto = require('crypto');

  // The Membership provider's hash of `password` with this base64 salt, in the stored hash's own
  // algorithm: a 32-byte hash is HMACSHA256 (key = salt repeated to 64 bytes), a 20-byte one SHA1.
  function membershipHash(password, saltBase64, storedLength) {
    const salt = Buffer.from(saltBase64, 'base64');
    const utf16 = Buffer.from(password, 'utf16le');
    if (storedLength === 20) {
      return crypto.createHash('sha1').update(Buffer.concat([salt, utf16])).digest();
    }
    const key = Buffer.alloc(64);
    for (let i = 0; i < 64; i += salt.length) salt.copy(key, i, 0, Math.min(salt.length, 64 - i));
    return crypto.createHmac('sha256', key).update(utf16).digest();
  }
  const { Connection, Request, TYPES } = require('tedious');

  // One short-lived connection per run: nothing is shared between runs, and every path closes it.
  // params: [[name, TYPES.X, value], ...]; resolves { rows: [{Column: value}], rowCount }.
  function query(sql, params) {
    return new Promise((resolve, reject) => {
      const connection = new Connection({
        server: configuration.MSSQL_SERVER,
        authentication: {
          type: 'default',
          options: { userName: configuration.MSSQL_USER, password: configuration.MSSQL_PASSWORD },
        },
        options: {
          port: Number(configuration.MSSQL_PORT || 1433),
          database: configuration.MSSQL_DATABASE,
          encrypt: configuration.MSSQL_ENCRYPT !== 'false',
          connectTimeout: 5000,
          requestTimeout: 5000,
        },
      });
      const finish = (err, value) => {
        connection.close();
        return err ? reject(err) : resolve(value);
      };
      connection.connect((err) => {
        if (err) return finish(err);
        const rows = [];
        const request = new Request(sql, (err2, rowCount) => finish(err2, { rows: rows, rowCount: rowCount }));
        for (const [name, type, value] of params) request.addParameter(name, type, value);
        request.on('row', (columns) => {
          const row = {};
          for (const column of columns) row[column.metadata.colName] = column.value;
          rows.push(row);
        });
        connection.execSql(request);
      });
    });
  }

  let result;
  try {
    const salt = crypto.randomBytes(16).toString('base64');
    const hash = membershipHash(newPassword, salt, 32).toString('base64');
    result = await query(
      'UPDATE dbo.Memberships SET Password = @Password, PasswordSalt = @Salt, PasswordFormat = 1,'
        + ' LastPasswordChangedDate = @Now WHERE Email = @Email',
      [
        ['Password', TYPES.NVarChar, hash],
        ['Salt', TYPES.NVarChar, salt],
        ['Now', TYPES.DateTime, new Date()],
        ['Email', TYPES.NVarChar, email],
      ]);
  } catch (err) {
    return callback(new Error('Could not change the password: ' + err.message));
  }
  // false tells the flow nothing changed (no such user).
  return callback(null, result.rowCount > 0);
}
