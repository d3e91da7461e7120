// DuckDB peer of tests/test_parquet_duckdb_read.py: runs the SQL statements given as
// arguments; a statement starting with "DUMP " prints its result rows as JSON (one array per
// row; BIGINTs and HUGEINTs as decimal strings, so no precision is lost on the way).
const duckdb = require('@duckdb/node-api');

(async () => {
  const instance = await duckdb.DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  for (const sql of process.argv.slice(2)) {
    if (sql.startsWith('DUMP ')) {
      const result = await conn.runAndReadAll(sql.slice(5));
      const rows = result.getRows().map((row) =>
        row.map((v) => (typeof v === 'bigint' ? v.toString() : v === null ? null : String(v))));
      console.log(JSON.stringify(rows));
    } else {
      await conn.run(sql);
    }
  }
})().catch((e) => {
  console.error(String(e));
  process.exit(1);
});
