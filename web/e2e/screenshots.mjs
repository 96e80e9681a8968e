// Screenshots of the three pages, in English and Chinese:
//   node screenshots.mjs [OUT_DIR]   (default: /tmp/backprop-screenshots)
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { BIN, ROOT, startServer, launch, tempDir } from './lib.mjs';

const out = process.argv[2] || '/tmp/backprop-screenshots';
mkdirSync(out, { recursive: true });
const logdir = tempDir();
const log = join(logdir, 'digits.jsonl');
await new Promise((ok) => spawn(BIN, ['train', join(ROOT, 'examples', '06-digits.toml'), '--log', log], { stdio: 'ignore' }).on('exit', ok));
const server = await startServer(['--logdir', logdir]);
const browser = await launch({ viewport: { width: 1400, height: 900 } });
const notes = readFileSync(join(ROOT, 'tests', 'data', 'seed_notes.txt'), 'utf8');
const shot = async (page, name) => page.screenshot({ path: join(out, `${name}.png`), fullPage: true });

for (const lang of ['en', 'zh']) {
  const page = await browser.newPage();
  await page.goto(`${server.url}?lang=${lang}`);
  await page.locator('#drawing svg').waitFor();
  await page.click('#step');
  await page.waitForFunction(() => document.getElementById('status').dataset.steps === '1');
  await page.locator('#drawing text[data-name="w5"]').first().click();
  await shot(page, `playground-worked-${lang}`);
  await page.selectOption('#example', '3-4-3-2');
  await page.waitForFunction(() => document.querySelector('#drawing svg') && document.querySelector('#drawing svg').textContent.includes('w30 = '));
  await page.fill('#n', '200');
  await page.click('#run-n');
  await page.waitForFunction(() => document.getElementById('status').dataset.steps === '200');
  await shot(page, `playground-3-4-3-2-${lang}`);
  await page.goto(`${server.url}?lang=${lang}&page=check`);
  await page.fill('#notes', notes);
  await page.click('#check-btn');
  await page.locator('#marked .mark').first().waitFor();
  await shot(page, `check-seed-notes-${lang}`);
  await page.goto(`${server.url}?lang=${lang}&page=runs`);
  await page.locator('#run-list a[data-run="digits.jsonl"]').click();
  await page.locator('#run-charts polyline').first().waitFor();
  await shot(page, `runs-${lang}`);
  await page.close();
}
await browser.close();
server.stop();
console.log(`screenshots in ${out}`);
