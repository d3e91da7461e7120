// DuckDB peer for bench/profile_bench.py: loads a CSV into an in-memory table (not timed),
// then times SUMMARIZE over it (per column: min, max, approx_unique, avg, std, q25/q50/q75,
// count, null_percentage).
const duckdb = require('@duckdb/node-api');

(async () => {
  const path = process.argv[2];
  const instance = await duckdb.DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const loadStart = process.hrtime.bigint();
  await conn.run(`CREATE TABLE t AS SELECT * FROM read_csv('${path.replace(/'/g, "''")}')`);
  const loadSeconds = Number(process.hrtime.bigint() - loadStart) / 1e9;
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();  // the whole process: DuckDB's worker threads included
  const result = await conn.runAndReadAll('SUMMARIZE t');
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(`read ${loadSeconds.toFixed(3)} s, summarize ${seconds.toFixed(3)} s (cpu ${cpuSeconds.toFixed(3)} s), ` +
              `${result.getRows().length} columns`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
