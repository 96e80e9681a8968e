// End-to-end: the real page in headless Chromium against `backprop serve` on an ephemeral
// loopback port. Every expected number is derived here by hand, not read back from the server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, ROOT, startServer, launch, tempDir } from './lib.mjs';

const logdir = tempDir();
let server, browser;

before(async () => {
  server = await startServer(['--logdir', logdir]);
  browser = await launch();
});

after(async () => {
  await browser.close();
  server.stop();
});

const sigmoid = (x) => 1 / (1 + Math.exp(-x));

// The worked example's network (2-2-1, sigmoid, one bias per layer, ½(t − a)² averaged over
// the batch of two, SGD with η = 0.5) by hand: E_total at these parameters, and the
// parameters after one step.
function workedStep(p) {
  const samples = [[[0.05, 0.10], 0.01], [[0.80, 0.20], 0.99]];
  const g = Object.fromEntries(Object.keys(p).map((k) => [k, 0]));
  let e = 0;
  for (const [[i1, i2], target] of samples) {
    const h1 = sigmoid(p.w1 * i1 + p.w2 * i2 + p.b1);
    const h2 = sigmoid(p.w3 * i1 + p.w4 * i2 + p.b1);
    const o = sigmoid(p.w5 * h1 + p.w6 * h2 + p.b2);
    e += (0.5 * (target - o) ** 2) / 2;
    const dO = (o - target) * o * (1 - o);
    const d1 = dO * p.w5 * h1 * (1 - h1);
    const d2 = dO * p.w6 * h2 * (1 - h2);
    const add = { w1: d1 * i1, w2: d1 * i2, w3: d2 * i1, w4: d2 * i2, b1: d1 + d2, w5: dO * h1, w6: dO * h2, b2: dO };
    for (const k in add) g[k] += add[k] / 2;
  }
  const next = Object.fromEntries(Object.keys(p).map((k) => [k, p[k] - 0.5 * g[k]]));
  return { e, next };
}

// The drawing shows 4 significant digits.
function close4(shown, exact) {
  const unit = 10 ** (Math.floor(Math.log10(Math.abs(exact))) - 3);
  return Math.abs(shown - exact) <= 0.5 * unit + 1e-12;
}

// A weight's label is `w1 = 0.1498`; a bias's box holds its name, then `= 0.3498`.
async function shownValue(page, name) {
  const texts = await page.locator('#drawing svg text').allTextContents();
  const k = texts.findIndex((s) => s.startsWith(`${name} = `) || s === name);
  assert.ok(k >= 0, `the drawing labels ${name}`);
  const text = texts[k] === name ? texts[k + 1] : texts[k].slice(name.length + 1);
  assert.match(text, /^= /);
  return Number(text.slice(2).replace('−', '-'));
}

test('worked example: change w1, step once, read the new values off the drawing; 1000 steps and the loss falls', async () => {
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.locator('#drawing svg').waitFor();
  // Change w1 by clicking its edge.
  // A horizontal line has no height: Playwright calls it invisible, so the click is forced (at its middle).
  await page.locator('#drawing line.edge[data-name="w1"]').click({ force: true });
  await page.locator('#edit').waitFor();
  assert.equal(await page.locator('#edit-name').textContent(), 'w1');
  await page.fill('#edit-value', '0.2');
  await page.click('#edit-set');
  await page.waitForFunction(() => document.querySelector('#drawing svg').textContent.includes('w1 = 0.2'));
  await page.click('#step');
  await page.waitForFunction(() => document.getElementById('status').dataset.steps === '1');

  const start = { w1: 0.2, w2: 0.2, w3: 0.25, w4: 0.3, b1: 0.35, w5: 0.4, w6: 0.45, b2: 0.6 };
  const { next } = workedStep(start);
  for (const name of ['w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'b1', 'b2']) {
    const shown = await shownValue(page, name);
    assert.ok(close4(shown, next[name]), `${name}: drawing shows ${shown}, by hand ${next[name]}`);
  }
  const total = await page.locator('#drawing svg text', { hasText: 'E_total = ' }).textContent();
  const eAfter = workedStep(next).e;
  assert.ok(close4(Number(total.split('= ')[1]), eAfter), `E_total: ${total}, by hand ${eAfter}`);
  // Full precision in the quantity panel (the derivation's JSON).
  await page.locator('#drawing text[data-name="w1"]').first().click();
  const exact = Number(await page.locator('#q-body .q-value').getAttribute('data-value'));
  assert.ok(Math.abs(exact - next.w1) < 1e-12, `w1 = ${exact}, by hand ${next.w1}`);

  // 1000 more steps: the curve falls.
  await page.fill('#n', '1000');
  await page.click('#run-n');
  await page.waitForFunction(() => document.getElementById('status').dataset.steps === '1001', null, { timeout: 60000 });
  const curve = page.locator('#curve polyline');
  const first = Number(await curve.getAttribute('data-first'));
  const last = Number(await curve.getAttribute('data-last'));
  const count = Number(await curve.getAttribute('data-count'));
  assert.ok(count >= 1000, `${count} points`);
  // The first point is the loss before the first step: E_total at the edited weights.
  assert.ok(Math.abs(first - workedStep(start).e) < 1e-12, `${first}`);
  assert.ok(last < first / 4, `the loss falls: ${first} → ${last}`);
  await page.close();
});

test('Check: the seed notes come back as written with their marks', async () => {
  const page = await browser.newPage();
  await page.goto(server.url + '?page=check');
  // The seed notes as the student wrote them (Markdown with LaTeX, in Chinese), no spec: the
  // setup is read from the notes.
  const notes = readFileSync(join(ROOT, 'tests', 'data', 'notes', 'seed.md'), 'utf8');
  await page.fill('#notes', notes);
  await page.click('#check-btn');
  await page.locator('#marked .mark').first().waitFor();
  const lines = await page.locator('#marked li').count();
  assert.equal(lines, notes.split('\n').length, 'every line comes back');
  const markOf = async (text) => {
    const li = page.locator('#marked li', { has: page.locator('.written', { hasText: text }) }).first();
    return li.locator('.mark').textContent();
  };
  // By hand: z_h1 = 0.15×0.05 + 0.2×0.10 + 0.35 = 0.3775, not the notes' 0.375 (a slip);
  // z_h2 = 0.25×0.05 + 0.30×0.10 + 0.35 = 0.3925 (right).
  assert.notEqual(0.15 * 0.05 + 0.2 * 0.1 + 0.35, 0.375);
  assert.equal(await markOf('= 0.375$$'), '✗');
  assert.ok(Math.abs(0.25 * 0.05 + 0.3 * 0.1 + 0.35 - 0.3925) < 1e-12);
  assert.equal(await markOf('= 0.3925$$'), '✓');
  // a_h1 = σ(0.3775) = 0.59326 to five places: right although z_h1 was written wrong.
  assert.ok(Math.abs(sigmoid(0.3775) - 0.59326) < 1e-5);
  assert.equal(await markOf('= 0.59326$'), '✓');
  // E_total = (0.27483 + 0.02692)/2 = 0.150875 follows from the notes' own E_1, which is
  // wrong (the true E_1 is 0.274811): carried.
  assert.ok(Math.abs((0.27483 + 0.02692) / 2 - 0.150875) < 1e-12);
  assert.equal(await markOf('= 0.150875'), '?');
  // The setup was read from the notes: 2 inputs, a 2-1 sigmoid network, η = 0.5.
  assert.match(await page.locator('#check-setup').textContent(), /2 inputs/);
  assert.match(await page.locator('#check-setup').textContent(), /0\.5/);
  await page.close();
});

test('Runs: a train --log run shows its curve growing while it trains', async () => {
  const log = join(logdir, 'digits.jsonl');
  const train = spawn(BIN, ['train', join(ROOT, 'examples', '06-digits.toml'), '--epochs', '100000', '--log', log], { stdio: 'ignore' });
  const page = await browser.newPage();
  await page.goto(server.url + '?page=runs');
  const link = page.locator('#run-list a[data-run="digits.jsonl"]');
  await link.waitFor({ timeout: 30000 });
  await link.click();
  const curve = page.locator('#run-charts polyline[data-series="train loss"]');
  await curve.waitFor({ timeout: 30000 });
  const count = async () => Number(await curve.getAttribute('data-count'));
  const before = await count();
  await page.waitForFunction((n) => {
    const c = document.querySelector('#run-charts polyline[data-series="train loss"]');
    return c && Number(c.dataset.count) >= n + 3;
  }, before, { timeout: 60000 });
  const after = await count();
  assert.ok(after > before, `the curve grew: ${before} → ${after} points`);
  train.kill('SIGTERM');
  await new Promise((ok) => train.on('exit', ok));
  await page.close();
});
