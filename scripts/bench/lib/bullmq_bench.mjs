// BullMQ's side of scripts/bench/queue: the same two measurements as QueueBenchmark.java,
// against the same Redis, so that the two queues are compared in one run.
//
//   node bullmq_bench.mjs INSTALL_DIR HOST PORT JOBS CONCURRENCY LATENCY_JOBS RATE RESULTS_TXT
//
// INSTALL_DIR holds node_modules/bullmq and ioredis, its Redis client (the benchmark installs
// them in a temporary folder: BullMQ is a yardstick, never part of the product). Figures go to stdout and RESULTS_TXT,
// and as "key<TAB>value" lines to $BENCH_FIGURES when set (scripts/bench/lib/figures.sh).
//
//   1. Throughput: JOBS jobs added first with addBulk, then one Worker with
//      `concurrency: CONCURRENCY` and a no-op processor runs them; jobs/s = JOBS / time
//      from the worker's creation to the last `completed` event.
//   2. Pickup latency: with the worker idle, LATENCY_JOBS jobs added one by one at RATE
//      per second; the time from just before `add` to the processor's start, in this
//      process (as QueueBenchmark measures it in its JVM).
import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const [installDir, host, port, ...numbers] = process.argv.slice(2, 9);
const resultsFile = process.argv[9];
const [jobs, concurrency, latencyJobs, rate] = numbers.map(Number);
if (!resultsFile || [jobs, concurrency, latencyJobs, rate].some((n) => !(n > 0))) {
  console.error('usage: node bullmq_bench.mjs INSTALL_DIR HOST PORT JOBS CONCURRENCY LATENCY_JOBS RATE RESULTS_TXT');
  process.exit(2);
}

// Resolved from the install folder, not from this file's folder (which has no node_modules).
const installed = createRequire(join(installDir, 'package.json'));
const { Queue, Worker } = await import(pathToFileURL(installed.resolve('bullmq')).href);
const version = installed('bullmq/package.json').version;
const { default: Redis } = await import(pathToFileURL(installed.resolve('ioredis')).href);

const connection = { host, port: Number(port) };
const queueName = 'bench';
const queue = new Queue(queueName, { connection });
const redis = new Redis(connection); // to empty Redis between the phases

// A job as big as Protostar's chat job in QueueBenchmark.
function payload(id) {
  return {
    v: 1, jobId: id, userId: 'u-bench', role: 'STARGAZER', documentAccess: 'INTERNAL', conversationId: 'c-1',
    message: 'How many days of leave do I have?', traceId: `t-${id}`,
  };
}

async function addInBulk(prefix, count) {
  const chunk = 1000;
  for (let start = 0; start < count; start += chunk) {
    const batch = [];
    for (let i = start; i < Math.min(count, start + chunk); i++) {
      batch.push({ name: 'chat', data: payload(`${prefix}-${i}`), opts: { jobId: `${prefix}-${i}` } });
    }
    await queue.addBulk(batch);
  }
}

/** Seconds from the worker's creation until `count` jobs completed. */
async function runUntilDone(count) {
  let completed = 0;
  let finish;
  const done = new Promise((resolve) => { finish = resolve; });
  const start = process.hrtime.bigint();
  const worker = new Worker(queueName, async () => {}, { connection, concurrency });
  worker.on('completed', () => {
    if (++completed === count) {
      finish(process.hrtime.bigint());
    }
  });
  const end = await done;
  await worker.close();
  return Number(end - start) / 1e9;
}

async function pickupLatencies(count, perSecond) {
  const addedAt = new Map();
  const latencies = [];
  let finish;
  const done = new Promise((resolve) => { finish = resolve; });
  const worker = new Worker(queueName, async (job) => {
    const now = process.hrtime.bigint();
    const at = addedAt.get(job.id);
    if (at !== undefined) {
      latencies.push(Number(now - at) / 1e6);
      if (latencies.length === count) {
        finish();
      }
    }
  }, { connection, concurrency });
  await worker.waitUntilReady();
  await sleep(500); // the worker reaches its idle wait
  const intervalMs = 1000 / perSecond;
  const began = performance.now();
  for (let i = 0; i < count; i++) {
    const wait = began + i * intervalMs - performance.now();
    if (wait > 0) {
      await sleep(wait);
    }
    const id = `l-${i}`;
    addedAt.set(id, process.hrtime.bigint());
    await queue.add('chat', payload(id), { jobId: id });
  }
  await Promise.race([done, sleep(120_000, undefined, { ref: false })]); // unref: no wait once done
  await worker.close();
  return latencies.sort((a, b) => a - b);
}

function percentile(sorted, p) {
  const index = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.max(0, Math.min(index, sorted.length - 1))];
}

const row = (name, value) => `${name.padEnd(52)} ${value}`;

await redis.flushall();
await addInBulk('warm', 2000);
await runUntilDone(2000); // JIT and connections warm

await redis.flushall();
const enqueueStart = process.hrtime.bigint();
await addInBulk('t', jobs);
const enqueueSeconds = Number(process.hrtime.bigint() - enqueueStart) / 1e9;
const seconds = await runUntilDone(jobs);

await redis.flushall();
const latencies = await pickupLatencies(latencyJobs, rate);
await queue.close();
redis.disconnect();

const figures = {
  'bullmq.version': version,
  'bullmq.enqueue_jobs_s': Math.round(jobs / enqueueSeconds),
  'bullmq.jobs_s': Math.round(jobs / seconds),
  'bullmq.pickup_p50_ms': percentile(latencies, 50).toFixed(2),
  'bullmq.pickup_p99_ms': percentile(latencies, 99).toFixed(2),
  'bullmq.pickup_max_ms': latencies[latencies.length - 1].toFixed(2),
  'bullmq.pickup_jobs': latencies.length,
};
const report = [
  `# BullMQ ${version} benchmark, ${new Date().toISOString()}; Node ${process.version}`,
  row('enqueue, addBulk of 1,000 (jobs/s)', figures['bullmq.enqueue_jobs_s']),
  row(`no-op jobs, 1 Worker, concurrency ${concurrency} (jobs/s)`,
    `${figures['bullmq.jobs_s']}  (${jobs} jobs in ${seconds.toFixed(2)} s)`),
  row('enqueue->pickup latency p50 (ms)', figures['bullmq.pickup_p50_ms']),
  row('enqueue->pickup latency p99 (ms)', figures['bullmq.pickup_p99_ms']),
  row('enqueue->pickup latency max (ms)', figures['bullmq.pickup_max_ms']),
  row(`  (${latencies.length} of ${latencyJobs} jobs at ${rate}/s to an idle worker)`, ''),
  '',
].join('\n');
process.stdout.write(report);
appendFileSync(resultsFile, report);
if (process.env.BENCH_FIGURES) {
  appendFileSync(process.env.BENCH_FIGURES,
    Object.entries(figures).map(([key, value]) => `${key}\t${value}\n`).join(''));
}
