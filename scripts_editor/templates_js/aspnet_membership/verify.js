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
async function verify(email, callback) {
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
    result = await query('UPDATE dbo.Memberships SET IsApproved = 1 WHERE Email = @Email', [['Email', TYPES.NVarChar, email]]);
  } catch (err) {
    return callback(new Error('Could not verify the email address: ' + err.message));
  }
  if (result.rowCount === 0) return callback(new Error('There is no user with this email address.'));
  return callback(null, true);
}
