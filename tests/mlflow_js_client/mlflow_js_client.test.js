// Black-box test: the `mlflow` npm package (a third-party MLflow REST client for Node.js,
// written against MLflow's server, not ours) drives a real `strata server` over loopback.
// It shows that a client we did not write finds MLflow's paths, verbs, query-string and JSON
// shapes where it expects them. Run: STRATA_BIN=build/asan/strata node --test <this file>
'use strict';

const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { test, before, after } = require('node:test');

const MLflow = require('mlflow');

const STRATA_BIN = process.env.STRATA_BIN || 'build/release/strata';
let server;
let home;
let client;

function startServer() {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-js-'));
  server = spawn(STRATA_BIN, ['server', '--home', home, '--port', '0'],
                 { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error('server did not start: ' + log)), 60000);
    server.stderr.on('data', (chunk) => {
      log += chunk;
      const m = /listening on http:\/\/[\d.]+:(\d+)/.exec(log);
      if (m && m[1] !== '0') {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    server.on('exit', (code) => reject(new Error(`server exited with ${code}: ${log}`)));
  });
}

// The client prints every POST body with console.log (synchronously, as the call is made);
// keep the test output readable. The test runner reports through its own stream.
console.log = () => {};

// The client throws Error(JSON.stringify({status, statusText, data})) wrapped once more.
async function rejection(promise) {
  try {
    await promise;
  } catch (e) {
    const text = String(e.message).replace(/^Error: /, '');
    return JSON.parse(text);
  }
  assert.fail('expected the call to fail');
}

before(async () => {
  const port = await startServer();
  client = new MLflow({ endpoint: `http://127.0.0.1:${port}` });
});

after(() => {
  if (server && server.exitCode === null) server.kill('SIGTERM');
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

test('experiments: create, get, list, update, delete, restore', async () => {
  const { Experiments } = client;
  const { experiment_id } = await Experiments.create({ name: 'js-client' });
  assert.match(experiment_id, /^\d+$/);
  const { experiment } = await Experiments.get({ experiment_id });
  assert.equal(experiment.name, 'js-client');
  assert.equal(experiment.lifecycle_stage, 'active');
  const { experiments } = await Experiments.list();
  const names = experiments.map((e) => e.name);
  assert.ok(names.includes('Default') && names.includes('js-client'), names.join(','));
  await Experiments.update({ experiment_id, new_name: 'js-client-2' });
  assert.equal((await Experiments.get({ experiment_id })).experiment.name, 'js-client-2');
  await Experiments.delete({ experiment_id });
  assert.equal((await Experiments.get({ experiment_id })).experiment.lifecycle_stage, 'deleted');
  await Experiments.restore({ experiment_id });
  assert.equal((await Experiments.get({ experiment_id })).experiment.lifecycle_stage, 'active');
});

test('experiments: duplicate name is RESOURCE_ALREADY_EXISTS with HTTP 400', async () => {
  await client.Experiments.create({ name: 'dup' });
  const err = await rejection(client.Experiments.create({ name: 'dup' }));
  assert.equal(err.status, 400);
  assert.equal(err.data.error_code, 'RESOURCE_ALREADY_EXISTS');
});

test('runs: log, search, history, tags, lifecycle', async () => {
  const { Experiments, Runs, Metrics, Artifacts } = client;
  const { experiment_id } = await Experiments.create({ name: 'js-runs' });
  const ids = [];
  for (let i = 0; i < 3; i++) {
    const { run } = await Runs.create({ experiment_id, user_id: 'js', start_time: 1000 + i });
    ids.push(run.info.run_id);
    await Runs.logParameter({ run_id: run.info.run_id, key: 'lr', value: String(0.1 * (i + 1)) });
    for (let step = 0; step < 4; step++) {
      await Runs.logMetric({ run_id: run.info.run_id, key: 'loss', value: i + step / 10,
                                     timestamp: 2000 + step, step });
    }
  }
  await Runs.logBatch({
    run_id: ids[0],
    metrics: [{ key: 'auc', value: 0.91, timestamp: 3000, step: 0 }],
    params: [{ key: 'depth', value: '6' }],
    tags: [{ key: 'team', value: 'fraud' }],
  });
  await Runs.setTag({ run_id: ids[1], key: 'team', value: 'risk' });

  const { run } = await Runs.get({ run_id: ids[0] });
  assert.equal(run.info.user_id, 'js');
  assert.deepEqual(run.data.params.map((p) => p.key).sort(), ['depth', 'lr']);
  const latestLoss = run.data.metrics.find((m) => m.key === 'loss');
  assert.equal(latestLoss.step, 3);

  const { metrics } = await Metrics.getHistory({ run_id: ids[2], metric_key: 'loss' });
  assert.deepEqual(metrics.map((m) => m.step), [0, 1, 2, 3]);
  assert.deepEqual(metrics.map((m) => m.value), [2, 2.1, 2.2, 2.3]);

  const found = await Runs.search({ experiment_ids: [experiment_id],
                                            filter: "metrics.loss >= 1 and params.lr LIKE '0.%'",
                                            order_by: ['metrics.loss DESC'] });
  assert.deepEqual(found.runs.map((r) => r.info.run_id), [ids[2], ids[1]]);
  const inFilter = `attributes.run_id IN ('${ids[0]}', '${ids[1]}')`;
  const team = await Runs.search({ experiment_ids: [experiment_id], filter: inFilter,
                                           max_results: 1 });
  assert.equal(team.runs.length, 1);
  assert.ok(team.next_page_token, 'a second page is announced');
  const page2 = await Runs.search({ experiment_ids: [experiment_id], filter: inFilter,
                                            max_results: 1, page_token: team.next_page_token });
  assert.equal(page2.runs.length, 1);
  assert.deepEqual([team.runs[0].info.run_id, page2.runs[0].info.run_id].sort(),
                   [ids[0], ids[1]].sort());
  assert.equal(page2.next_page_token, undefined);
  const risk = await Runs.search({ experiment_ids: [experiment_id],
                                           filter: "tags.team ILIKE 'RI%'" });
  assert.deepEqual(risk.runs.map((r) => r.info.run_id), [ids[1]]);

  await Runs.deleteTag({ run_id: ids[1], key: 'team' });
  await Runs.update({ run_id: ids[1], status: 'FINISHED', end_time: 5000 });
  const updated = (await Runs.get({ run_id: ids[1] })).run;
  assert.equal(updated.info.status, 'FINISHED');
  assert.equal(updated.info.end_time, 5000);
  assert.equal((updated.data.tags || []).find((t) => t.key === 'team'), undefined);

  await Runs.delete({ run_id: ids[0] });
  const active = await Runs.search({ experiment_ids: [experiment_id] });
  assert.equal(active.runs.length, 2);
  await Runs.restore({ run_id: ids[0] });
  assert.equal((await Runs.search({ experiment_ids: [experiment_id] })).runs.length, 3);

  const listed = await Artifacts.list({ run_id: ids[0] });
  assert.deepEqual(listed.files || [], []);
});

test('runs: params are immutable, bad filters are rejected', async () => {
  const { Experiments, Runs } = client;
  const { experiment_id } = await Experiments.create({ name: 'js-errors' });
  const { run } = await Runs.create({ experiment_id, user_id: 'js', start_time: 1 });
  await Runs.logParameter({ run_id: run.info.run_id, key: 'p', value: 'a' });
  const changed = await rejection(Runs.logParameter({ run_id: run.info.run_id, key: 'p', value: 'b' }));
  assert.equal(changed.status, 400);
  assert.equal(changed.data.error_code, 'INVALID_PARAMETER_VALUE');
  const bad = await rejection(Runs.search({ experiment_ids: [experiment_id],
                                            filter: "params.p = 'a' OR 1=1" }));
  assert.equal(bad.status, 400);
  assert.equal(bad.data.error_code, 'INVALID_PARAMETER_VALUE');
  const missing = await rejection(Runs.get({ run_id: 'f'.repeat(32) }));
  assert.equal(missing.status, 404);
  assert.equal(missing.data.error_code, 'RESOURCE_DOES_NOT_EXIST');
});
