// Prints the row count DuckDB reads from a Parquet file (bench/parquet_write_bench.py).
const duckdb = require('@duckdb/node-api');

(async () => {
  const path = process.argv[2].replace(/'/g, "''");
  const instance = await duckdb.DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const rows = await conn.runAndReadAll(`SELECT count(*) FROM read_parquet('${path}')`);
  console.log(String(rows.getRows()[0][0]));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
