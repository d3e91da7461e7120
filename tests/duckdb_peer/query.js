// Runs each SQL statement given on the command line in one in-memory DuckDB and prints the
// result of the last one as JSON: {"columns": [...], "types": [...], "rows": [[...], ...]}.
// Values use DuckDB's JSON conversion (BIGINT and TIMESTAMP as strings, NaN/Infinity as strings),
// so the Python tests compare exact text, not floats rounded by JSON.
// Errors print the message on stderr and exit 1.
const duckdb = require('@duckdb/node-api');

(async () => {
  const statements = process.argv.slice(2);
  if (statements.length === 0) {
    console.error('usage: node query.js SQL [SQL ...]');
    process.exit(2);
  }
  const instance = await duckdb.DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  let reader = null;
  for (const sql of statements) reader = await conn.runAndReadAll(sql);
  const out = {
    columns: reader.columnNames(),
    types: reader.columnTypes().map((t) => t.toString()),
    rows: reader.getRowsJson(),
  };
  process.stdout.write(JSON.stringify(out));
  process.stdout.write('\n');
})().catch((e) => {
  console.error(e && e.message ? e.message : String(e));
  process.exit(1);
});
