// DuckDB peer for bench/csv_bench.py: reads a CSV into an in-memory table, prints the time.
const duckdb = require('@duckdb/node-api');

(async () => {
  const path = process.argv[2];
  const instance = await duckdb.DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const start = process.hrtime.bigint();
  await conn.run(`CREATE TABLE t AS SELECT * FROM read_csv('${path.replace(/'/g, "''")}')`);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const rows = await conn.runAndReadAll('SELECT count(*) FROM t');
  console.log(`read ${seconds.toFixed(3)} s, ${rows.getRows()[0][0]} rows`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
