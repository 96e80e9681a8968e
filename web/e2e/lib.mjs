// Shared by the end-to-end tests and the screenshot script: start `backprop serve` on an
// ephemeral loopback port, and headless Chromium.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const BIN = process.env.BACKPROP_BIN || join(ROOT, 'target', 'release', 'backprop');

export async function startServer(args = []) {
  const child = spawn(BIN, ['serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((ok, fail) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/http:\/\/[\d.]+:\d+\//);
      if (m) ok(m[0]);
    });
    child.on('exit', (code) => fail(new Error(`backprop serve exited with ${code}: ${out}`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

// A browser context on a fresh profile (the --user-data-dir Playwright passes for it).
export async function launch(options = {}) {
  const userData = mkdtempSync(join(tmpdir(), 'backprop-chromium-'));
  return chromium.launchPersistentContext(userData, {
    ...options,
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

export function tempDir() {
  return mkdtempSync(join(tmpdir(), 'backprop-e2e-'));
}
