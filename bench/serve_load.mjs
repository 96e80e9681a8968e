// Load test of `backprop serve` (not part of `cargo test`):
//   cargo build --release && node bench/serve_load.mjs [CLIENTS] [STEPS]
// CLIENTS (50) clients each create their own session on the worked example and step it STEPS
// (1000) times, one step per request with the drawing (as the page's Step button does), while
// one more client trains a 784-256-10 network (ReLU, softmax, Adam, batches of 32 from 256
// random samples) 5 steps per request, without the drawing. Twice over, with the sessions left to expire in
// between: errors, step-request latency p50/p99, steps/s, and the server's resident memory
// (VmRSS) before, at the peak, and after each expiry.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = process.env.BACKPROP_BIN || join(ROOT, 'target', 'release', 'backprop');
const CLIENTS = Number(process.argv[2] || 50);
const STEPS = Number(process.argv[3] || 1000);
const IDLE = Number(process.env.IDLE || 20);
const WORKED = readFileSync(join(ROOT, 'examples', '01-worked-example.toml'), 'utf8');

function bigSpec() {
  let seed = 1;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const rows = [], targets = [];
  for (let s = 0; s < 256; s++) {
    rows.push('[' + Array.from({ length: 784 }, () => random().toFixed(3)).join(',') + ']');
    const c = s % 10;
    targets.push('[' + Array.from({ length: 10 }, (_, k) => (k === c ? '1' : '0')).join(',') + ']');
  }
  return `inputs = 784\nloss = "cross_entropy"\n[optimizer]\nkind = "adam"\nlearning_rate = 0.001\n` +
    `[[layers]]\nunits = 256\nactivation = "relu"\n[[layers]]\nunits = 10\nactivation = "softmax"\n` +
    `[training]\nbatch_size = 32\nshuffle = false\n[data]\ninputs = [${rows.join(',\n')}]\ntargets = [${targets.join(',\n')}]\n`;
}

const rss = (pid) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]) / 1024;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The longest a client took between one response's end and its next request (the server's
// idle clock runs then): it must stay well under IDLE for the test to mean anything.
let maxGap = 0;

async function post(base, path, body, stats, client) {
  const t0 = performance.now();
  if (client && client.last !== undefined) maxGap = Math.max(maxGap, t0 - client.last);
  const r = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const data = await r.json();
  const t1 = performance.now();
  if (client) client.last = t1;
  if (stats) stats.push(t1 - t0);
  if (!r.ok) throw new Error(`${path}: ${r.status} ${data.error}`);
  return data;
}

async function round(base, big) {
  const latencies = [], bigLatencies = [];
  let errors = 0, steps = 0, bigSteps = 0, done = false;
  maxGap = 0;
  const t0 = performance.now();
  const small = Array.from({ length: CLIENTS }, async () => {
    try {
      const client = {};
      const s = await post(base, 'api/sessions', { toml: WORKED }, null, client);
      for (let k = 0; k < STEPS; k++) {
        await post(base, `api/sessions/${s.id}/step`, { steps: 1 }, latencies, client);
        steps++;
      }
    } catch (e) { errors++; console.error(e.message); }
  });
  const trainer = (async () => {
    try {
      // As a script would: no drawing (the network is too large to write out) and no echo of
      // its 1.4 MB spec in the answer.
      const client = {};
      const s = await post(base, 'api/sessions?draw=false', { toml: big }, null, client);
      while (!done) {
        await post(base, `api/sessions/${s.id}/step`, { steps: 5, draw: false }, bigLatencies, client);
        bigSteps += 5;
      }
    } catch (e) { errors++; console.error(e.message); }
  })();
  await Promise.all(small);
  const seconds = (performance.now() - t0) / 1000;
  done = true;
  await trainer;
  latencies.sort((a, b) => a - b);
  bigLatencies.sort((a, b) => a - b);
  const q = (a, p) => a[Math.min(a.length - 1, Math.floor(p * a.length))].toFixed(2);
  return {
    errors, requests: latencies.length, seconds: seconds.toFixed(1),
    p50_ms: q(latencies, 0.5), p99_ms: q(latencies, 0.99),
    steps_per_s: Math.round(steps / seconds),
    big_steps: bigSteps, big_steps_per_s: Math.round(bigSteps / seconds),
    big_p50_ms: q(bigLatencies, 0.5), big_p99_ms: q(bigLatencies, 0.99),
    longest_gap_ms: maxGap.toFixed(0),
  };
}

const child = spawn(BIN, ['serve', '--port', '0', '--idle', String(IDLE)], { stdio: ['ignore', 'pipe', 'inherit'] });
const base = await new Promise((ok) => {
  let out = '';
  child.stdout.on('data', (c) => { out += c; const m = out.match(/http:\/\/[\d.:]+\//); if (m) ok(m[0]); });
});
const big = bigSpec();
const memory = { start_mib: rss(child.pid).toFixed(1) };
let peak = 0;
const watch = setInterval(() => { peak = Math.max(peak, rss(child.pid)); }, 100);
const results = [];
for (let r = 1; r <= 2; r++) {
  results.push(await round(base, big));
  memory[`peak_${r}_mib`] = peak.toFixed(1);
  await sleep((IDLE + 10) * 1000); // the sessions expire
  memory[`after_expiry_${r}_mib`] = rss(child.pid).toFixed(1);
  peak = 0;
}
clearInterval(watch);
console.log(JSON.stringify({ clients: CLIENTS, steps_each: STEPS, rounds: results, memory }, null, 1));
child.kill('SIGTERM');
const failed = results.some((r) => r.errors > 0);
process.exit(failed ? 1 : 0);
