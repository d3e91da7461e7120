// DuckDB peer for bench/parquet_bench.py. "write CSV PARQUET": converts the CSV to Parquet
// (zstd); "read PARQUET": reads it into an in-memory table and prints the time.
const duckdb = require('@duckdb/node-api');

(async () => {
  const [mode, a, b] = process.argv.slice(2);
  const q = (p) => `'${p.replace(/'/g, "''")}'`;
  const instance = await duckdb.DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  if (mode === 'write') {
    await conn.run(`COPY (SELECT * FROM read_csv(${q(a)})) TO ${q(b)} (FORMAT parquet, COMPRESSION zstd)`);
    return;
  }
  const start = process.hrtime.bigint();
  await conn.run(`CREATE TABLE t AS SELECT * FROM read_parquet(${q(a)})`);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const rows = await conn.runAndReadAll('SELECT count(*) FROM t');
  console.log(`read ${seconds.toFixed(3)} s, ${rows.getRows()[0][0]} rows`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
