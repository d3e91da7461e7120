// DuckDB peer for bench/pit_bench.py.
//   "prepare FEATURES.csv ENTITIES.csv FEATURES.parquet ENTITIES.parquet": converts the
//     generated CSV (timestamps as int64 microseconds) to Parquet with TIMESTAMP columns.
//   "join FEATURES.parquet ENTITIES.parquet TTL_US F1,F2,... REPEAT": loads both into
//     in-memory tables, then times the point-in-time join (ASOF LEFT JOIN, features nulled when
//     older than the ttl) materialized into a table, best of REPEAT; prints JSON with the
//     checksum (matched rows, sum of each feature) computed from the result afterwards.
const duckdb = require('@duckdb/node-api');

(async () => {
  const args = process.argv.slice(2);
  const q = (p) => `'${p.replace(/'/g, "''")}'`;
  const instance = await duckdb.DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  if (args[0] === 'prepare') {
    const [, fcsv, ecsv, fpq, epq] = args;
    await conn.run(`COPY (SELECT * REPLACE (make_timestamp(ts) AS ts) FROM read_csv(${q(fcsv)}))
                    TO ${q(fpq)} (FORMAT parquet)`);
    await conn.run(`COPY (SELECT * REPLACE (make_timestamp(event_timestamp) AS event_timestamp)
                    FROM read_csv(${q(ecsv)})) TO ${q(epq)} (FORMAT parquet)`);
    return;
  }
  const [, fpq, epq, ttlText, featureList, repeatText] = args;
  const ttl = BigInt(ttlText);
  const features = featureList.split(',');
  await conn.run(`CREATE TABLE f AS SELECT * FROM read_parquet(${q(fpq)})`);
  await conn.run(`CREATE TABLE e AS SELECT * FROM read_parquet(${q(epq)})`);
  const ttlCheck = ttl === 0n ? 'true'
      : `epoch_us(e.event_timestamp) - epoch_us(f.ts) <= ${ttl}`;
  const selected = features.map((c) => `CASE WHEN ${ttlCheck} THEN f.${c} END AS ${c}`).join(', ');
  const sql = `CREATE OR REPLACE TABLE out AS SELECT e.*, ${selected} FROM e ASOF LEFT JOIN f
               ON e.entity_id = f.entity_id AND e.event_timestamp >= f.ts`;
  let best = Infinity;
  let bestCpu = Infinity;
  for (let r = 0; r < Number(repeatText); ++r) {
    const start = process.hrtime.bigint();
    const cpu = process.cpuUsage();  // DuckDB's threads run in this process
    await conn.run(sql);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
    const used = process.cpuUsage(cpu);
    bestCpu = Math.min(bestCpu, (used.user + used.system) / 1e6);
  }
  const sums = features.map((c) => `sum(${c})::DOUBLE`).join(', ');
  const reader = await conn.runAndReadAll(
      `SELECT count(*), count(${features[0]}), ${sums} FROM out`);
  const row = reader.getRows()[0].map(Number);
  console.log(JSON.stringify({ join_s: best, join_cpu_s: bestCpu, rows: row[0], matched: row[1], sums: row.slice(2) }));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
