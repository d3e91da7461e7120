// DuckDB peer for bench/sql_bench.py: loads CSV files into in-memory tables, then times each
// query (the query only). Usage: node duckdb_sql.js queries.json name=path ...
// Prints one JSON object: {"load_s": ..., "queries": {"name": {"seconds": s, "rows": [...]}}}.
const fs = require('fs');
const duckdb = require('@duckdb/node-api');

(async () => {
  const queries = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const instance = await duckdb.DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const loadStart = process.hrtime.bigint();
  for (const spec of process.argv.slice(3)) {
    const [name, path] = spec.split('=');
    await conn.run(`CREATE TABLE ${name} AS SELECT * FROM read_csv('${path.replace(/'/g, "''")}')`);
  }
  const out = { load_s: Number(process.hrtime.bigint() - loadStart) / 1e9, queries: {} };
  for (const [name, sql] of Object.entries(queries)) {
    const start = process.hrtime.bigint();
    const reader = await conn.runAndReadAll(sql);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const rows = reader.getRows().map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v)));
    out.queries[name] = { seconds, rows: rows.map((r) => r.map((v) => (v === null || typeof v === 'number' || typeof v === 'string') ? v : String(v))) };
  }
  console.log(JSON.stringify(out));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
