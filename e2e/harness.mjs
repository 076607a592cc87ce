// Shared set-up for the end-to-end tests: the release dist/ served under a
// sub-path by scripts/serve.mjs, and the system Chromium driven by
// playwright-core (never `playwright install`: it would download a browser).

import { mkdtempSync, rmSync, existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS as FLAGS } from '../scripts/chromium.mjs';
export { CHROMIUM };
import { startServer } from '../scripts/serve.mjs';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = path.join(REPO, 'dist');
export const ARTIFACTS = path.join(REPO, 'target', 'e2e');
export const SUB_PATH = '/courses/ml/groundup/';


if (!existsSync(path.join(DIST, 'index.html'))) {
  throw new Error(`${DIST}/index.html is missing: build the page first (trunk build --release)`);
}
mkdirSync(ARTIFACTS, { recursive: true });

/**
 * Starts the server and a browser with a fresh profile. Returns
 * `{url, browser, server, newPage(options), close()}`; `server.requests`
 * lists every path the server was asked for.
 */
export async function setUp({ intercept, bypassCSP = false } = {}) {
  const requests = [];
  const server = await startServer({
    root: DIST,
    base: SUB_PATH,
    intercept,
    onRequest: (req) => requests.push(req.url),
  });
  // A fresh user-data-dir for every run: no cache or storage from before.
  const profile = mkdtempSync(path.join(os.tmpdir(), 'groundup-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 1000 },
    // Only for tests that inject a checker into the page (axe): the page's
    // Content-Security-Policy refuses inline scripts, as it should.
    bypassCSP,
  });
  const pages = [];

  /**
   * A new tab with its problems recorded: `errors` (console errors and
   * uncaught exceptions, from the page and its worker) and `requests`
   * (every URL it or its worker asked for).
   */
  async function newPage({ viewport } = {}) {
    const page = await context.newPage();
    if (viewport) await page.setViewportSize(viewport);
    const record = { page, errors: [], requests: [] };
    page.on('console', (msg) => {
      if (msg.type() === 'error') record.errors.push(`console: ${msg.text()} @ ${msg.location().url}`);
    });
    page.on('pageerror', (error) => record.errors.push(`pageerror: ${error.message}`));
    page.on('request', (request) => record.requests.push(request.url()));
    page.on('worker', (worker) => {
      worker.on('console', (msg) => {
        if (msg.type() !== 'error') return;
        const text = `worker console: ${msg.text()} @ ${msg.location().url}`;
        record.errors.push(text);
        // Also at once: a test that then times out would not show it.
        console.error(text);
      });
    });
    pages.push(record);
    return record;
  }

  async function close() {
    await context.close().catch(() => {});
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }

  return { url: server.url, origin: new URL(server.url).origin, server, requests, context, newPage, close };
}

/** Opens the page and waits until the worker has said `ready` (Train enabled). */
export async function openPage(record, url) {
  await record.page.goto(url);
  await record.page.getByRole('button', { name: 'Train', exact: true }).waitFor();
  await record.page.waitForFunction(() => !document.getElementById('train').disabled, null, { timeout: 30_000 });
}

/** The value of a progress bar (0–100). */
export async function progressOf(page, split) {
  return Number(await page.locator(`#${split}-progress`).getAttribute('aria-valuenow'));
}

/** Waits for both data splits to reach 100%. */
export async function waitForData(page, timeout = 60_000) {
  await page.waitForFunction(
    () => ['train', 'test'].every((s) => document.getElementById(`${s}-progress`).getAttribute('aria-valuenow') === '100'),
    null,
    { timeout },
  );
}

/** The accuracy shown in "Test accuracy: NN.N%" and the step it was measured at, or null. */
export async function shownAccuracy(page) {
  return page.evaluate(() => {
    const el = document.getElementById('accuracy');
    const m = /Test accuracy: (\d+(?:\.\d+)?)%/.exec(el.textContent);
    return m ? { percent: Number(m[1]), step: Number(el.dataset.step) } : null;
  });
}

/** The step count in the status line. */
export async function shownStep(page) {
  return page.evaluate(() => Number(document.getElementById('progress-line').dataset.step ?? 0));
}

// ---- drawing on the pad ----------------------------------------------------

/** Draws a polyline given in fractions of the pad (0..1), as one mouse stroke. */
export async function stroke(page, points) {
  await page.locator('#pad').scrollIntoViewIfNeeded(); // the mouse works in the viewport
  const box = await page.locator('#pad').boundingBox();
  const at = ([x, y]) => [box.x + x * box.width, box.y + y * box.height];
  await page.mouse.move(...at(points[0]));
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(...at(p), { steps: 4 });
  await page.mouse.up();
}

export const ellipse = (cx, cy, rx, ry, n = 28) =>
  Array.from({ length: n + 2 }, (_, i) => {
    const a = (i / n) * 2 * Math.PI - Math.PI / 2;
    return [cx + rx * Math.cos(a), cy + ry * Math.sin(a)];
  });

export const DIGITS = {
  0: [ellipse(0.5, 0.5, 0.2, 0.3)],
  1: [[[0.52, 0.18], [0.5, 0.5], [0.48, 0.82]]],
  7: [[[0.3, 0.22], [0.7, 0.22], [0.58, 0.45], [0.45, 0.82]]],
};

// The answer about the finished drawing: the pad also asks about a stroke
// while it is drawn (a short partial line looks like a blob, not a digit),
// so wait until the page shows the answer to its latest request.
export async function readPrediction(page) {
  await page.waitForTimeout(250); // past the pad's 100 ms throttle: the last request is out
  await page.waitForFunction(
    () =>
      document.documentElement.dataset.answeredId === document.documentElement.dataset.drawingId &&
      /Prediction: \d \(\d+%\)/.test(document.getElementById('prediction').textContent),
  );
  const text = await page.locator('#prediction').textContent();
  const [, digit, percent] = /Prediction: (\d) \((\d+)%\)/.exec(text);
  return { digit: Number(digit), percent: Number(percent), text };
}
