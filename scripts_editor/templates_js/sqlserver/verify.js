/*
 * SQL Server template (tedious): a table dbo.Users(Id INT IDENTITY PRIMARY KEY, Email NVARCHAR(255)
 * UNIQUE, Password NVARCHAR(255), Nickname NVARCHAR(255), EmailVerified BIT) where `Password` holds a
 * bcrypt hash. Configuration: MSSQL_SERVER, MSSQL_PORT (1433), MSSQL_DATABASE, MSSQL_USER,
 * MSSQL_PASSWORD, MSSQL_ENCRYPT ("false" turns TLS off; Azure SQL needs it on).
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
    result = await query('UPDATE dbo.Users SET EmailVerified = 1 WHERE Email = @Email', [['Email', TYPES.NVarChar, email]]);
  } catch (err) {
    return callback(new Error('Could not verify the email address: ' + err.message));
  }
  if (result.rowCount === 0) return callback(new Error('There is no user with this email address.'));
  return callback(null, true);
}
