// Opens one connection with a real SQL Server, Oracle or Neo4j driver (argv[2]: tedious | oracledb |
// neo4j, argv[3]: the package folder) to argv[4] host, argv[5] port, argv[6] "tls" or "plain", and
// prints how it ended: {ok} or {error, message}. No server of those kinds runs here: the tests point
// it at a closed port, a listener that records the driver's first bytes, or a TLS listener.
'use strict';

const [kind, dir, host, port, mode] = process.argv.slice(2);
const tls = mode === 'tls';

function tedious() {
  const { Connection } = require(dir);
  return new Promise((resolve, reject) => {
    const connection = new Connection({
      server: host,
      authentication: { type: 'default', options: { userName: 'sa', password: 'not-used' } },
      options: { port: Number(port), encrypt: tls, trustServerCertificate: false, connectTimeout: 3000 },
    });
    connection.connect((err) => {
      connection.close();
      return err ? reject(err) : resolve();
    });
  });
}

async function oracle() {
  const oracledb = require(dir);
  const connectString = tls ? `tcps://${host}:${port}/FREEPDB1` : `${host}:${port}/FREEPDB1`;
  const connection = await oracledb.getConnection({ user: 'app', password: 'not-used', connectString, connectTimeout: 3 });
  await connection.close();
}

async function neo4j() {
  const driverModule = require(dir);
  const url = tls ? `neo4j+s://${host}:${port}` : `bolt://${host}:${port}`;
  const driver = driverModule.driver(url, driverModule.auth.basic('neo4j', 'not-used'), { connectionTimeout: 3000 });
  try {
    await driver.verifyConnectivity();
  } finally {
    await driver.close();
  }
}

({ tedious, oracledb: oracle, neo4j })[kind]().then(
  () => console.log(JSON.stringify({ ok: true })),
  (err) => {
    const causes = [];
    for (let c = err.cause; c; c = c.cause) {
      causes.push(c.message || String(c));
      // tedious tries each address in turn and keeps every attempt's error in an AggregateError.
      for (const e of c.errors || []) causes.push(`${e.code || ''} ${e.message}`.trim());
    }
    console.log(JSON.stringify({ error: err.name, code: err.code, message: [err.message, ...causes].join(': ') }));
  },
);
