// DuckDB peer for bench/parquet_write_bench.py: loads a CSV into an in-memory table, then
// times only COPY t TO '<out>' (FORMAT parquet, COMPRESSION <codec>).
const duckdb = require('@duckdb/node-api');

(async () => {
  const [csv, out, codec = 'zstd'] = process.argv.slice(2);
  const q = (s) => `'${s.replace(/'/g, "''")}'`;
  const instance = await duckdb.DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  let start = process.hrtime.bigint();
  await conn.run(`CREATE TABLE t AS SELECT * FROM read_csv(${q(csv)})`);
  const read = Number(process.hrtime.bigint() - start) / 1e9;
  start = process.hrtime.bigint();
  await conn.run(`COPY t TO ${q(out)} (FORMAT parquet, COMPRESSION ${codec})`);
  const wrote = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`read ${read.toFixed(3)} s, wrote ${wrote.toFixed(3)} s`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
