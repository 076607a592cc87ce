// End-to-end: accessibility. axe-core (e2e/package.json) checks the whole
// page, in light mode and in dark mode, and must find no violations — the
// project's standard. Besides the page as it loads (worker ready, pretrained
// net, both data splits at 100%, gallery shown), it checks the states that
// add elements: experiments' results (lab.js), a drawing (prediction and
// bars), a bad URL fragment (the URL's refusals in #url-errors), a kept run
// in the runs' legend and a refused setting (the message beside its field).
// Each case opens its own tab in one browser, so the data comes
// from the browser's cache after the first.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, afterEach, before, describe, test } from 'node:test';
import { openPage, setUp, waitForData } from './harness.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

let env;
let record;

before(async () => {
  // axe is injected as a script: let it past the page's CSP (page.test.mjs checks the CSP).
  env = await setUp({ bypassCSP: true });
});

after(async () => {
  await env?.close();
});

afterEach(async () => {
  await record?.page.close();
  record = null;
});

/**
 * A new tab at the page (with `fragment`, if any), once the worker is ready,
 * the pretrained net loaded, both data splits at 100% and the gallery and
 * test accuracy shown: the page as a visitor finds it a few seconds in.
 */
async function openLoaded(fragment = '') {
  record = await env.newPage();
  const { page } = record;
  await openPage(record, fragment ? `${env.url}#${fragment}` : env.url);
  await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Pretrained CNN loaded'), null, {
    timeout: 30_000,
  });
  await waitForData(page);
  await page.waitForFunction(
    () =>
      document.querySelector('#gallery-correct li') !== null &&
      /Test accuracy: \d/.test(document.getElementById('accuracy').textContent),
    null,
    { timeout: 30_000 },
  );
  return page;
}

/** Switches prefers-color-scheme and waits until the page has restyled and painted. */
async function setScheme(page, scheme) {
  await page.emulateMedia({ colorScheme: scheme });
  await page.waitForFunction((s) => matchMedia(`(prefers-color-scheme: ${s})`).matches, scheme);
  // The dark set's background (www/css/style.css), or the light one's.
  const background = scheme === 'dark' ? 'rgb(17, 20, 24)' : 'rgb(255, 255, 255)';
  await page.waitForFunction((b) => getComputedStyle(document.documentElement).backgroundColor === b, background);
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

/** One violation as a line a reader can act on: rule, impact, help, where. */
function describeViolation(v) {
  const targets = v.nodes.slice(0, 5).map((n) => n.target.join(' '));
  const more = v.nodes.length > targets.length ? ` (+${v.nodes.length - targets.length} more)` : '';
  const summary = v.nodes[0]?.failureSummary?.replace(/\s+/g, ' ').trim();
  return [
    `- ${v.id} [${v.impact}]: ${v.help} (${v.helpUrl})`,
    `    at: ${targets.join(' | ')}${more}`,
    ...(summary ? [`    first: ${summary}`] : []),
  ].join('\n');
}

/** Runs axe on the whole document in `scheme` and asserts no violations. */
async function assertNoViolations(t, page, scheme) {
  await setScheme(page, scheme);
  if (!(await page.evaluate(() => typeof globalThis.axe === 'object'))) {
    await page.addScriptTag({ path: AXE });
  }
  const { violations, passes, incomplete } = await page.evaluate(async () => {
    const r = await globalThis.axe.run(document);
    const strip = (list) =>
      list.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        helpUrl: v.helpUrl,
        nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
      }));
    return { violations: strip(r.violations), passes: r.passes.length, incomplete: r.incomplete.map((v) => v.id) };
  });
  t.diagnostic(
    `${scheme}: ${violations.length} violations, ${passes} rules passed` +
      (incomplete.length ? `, needs review: ${incomplete.join(', ')}` : ''),
  );
  assert.equal(
    violations.length,
    0,
    `axe-core found ${violations.length} violation(s) in ${scheme} mode:\n${violations.map(describeViolation).join('\n')}`,
  );
}

/** Both colour schemes, light first. */
async function assertAccessible(t, page) {
  await assertNoViolations(t, page, 'light');
  await assertNoViolations(t, page, 'dark');
}

describe('accessibility (axe-core), light and dark', () => {
  test('the loaded page: pretrained net, data at 100%, gallery', async (t) => {
    const page = await openLoaded();
    await assertAccessible(t, page);
  });

  test('the Experiments panel with results: a table, charts and legends, the Fig. 7 images', async (t) => {
    const page = await openLoaded();
    for (const [id, name] of [['gradcheck', 'Gradient check'], ['reproduce', 'Reproduce the input'], ['overfit-five', 'Overfit five images']]) {
      await page.getByRole('button', { name, exact: true }).click();
      await page.waitForFunction((i) => document.querySelector(`#lab-${i} .lab-progress`)?.textContent === 'Done.', id, { timeout: 120_000 });
    }
    await assertAccessible(t, page);
  });

  test('after a drawing: the prediction and its bars', async (t) => {
    const page = await openLoaded();
    const box = await page.locator('#pad').boundingBox();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.18);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.82, { steps: 8 });
    await page.mouse.up();
    // The stroke's end asks at once (no throttle): wait for the answer to it.
    await page.waitForFunction(
      () =>
        document.documentElement.dataset.drawingId !== undefined &&
        document.documentElement.dataset.answeredId === document.documentElement.dataset.drawingId &&
        /Prediction: \d \(\d+%\)/.test(document.getElementById('prediction').textContent),
      null,
      { timeout: 30_000 },
    );
    await assertAccessible(t, page);
  });

  test('a bad URL fragment: the refusals in #url-errors', async (t) => {
    const page = await openLoaded('lr=abc&batch=0');
    await page.waitForFunction(() => {
      const text = document.getElementById('url-errors').textContent;
      return text.includes('lr=abc') && text.includes('batch=0');
    }, null, { timeout: 30_000 });
    t.diagnostic(`#url-errors: ${await page.locator('#url-errors').textContent()}`);
    await assertAccessible(t, page);
  });

  // The views for course notes (e2e/embed.test.mjs): the compact header, its
  // view bar ("Open the whole page", "Copy embed code") and, with an unknown
  // panel, the refusal above the panels. The Train button is hidden in
  // #view=draw: wait for the worker by the button's state instead.
  for (const fragment of ['view=draw,nonsense', 'view=curves,train']) {
    test(`a view for course notes: #${fragment}, at 400 px`, async (t) => {
      record = await env.newPage({ viewport: { width: 400, height: 700 } });
      const { page } = record;
      await page.goto(`${env.url}#${fragment}`);
      await page.waitForFunction(
        () => document.getElementById('state').textContent.startsWith('Pretrained CNN loaded'),
        null,
        { timeout: 60_000 },
      );
      if (fragment.includes('nonsense')) {
        await page.waitForFunction(() => document.getElementById('url-errors').textContent.includes('nonsense'), null, {
          timeout: 30_000,
        });
      }
      await assertAccessible(t, page);
    });
  }

  test('runs kept side by side: the legend with a kept run, and Clear runs', async (t) => {
    const page = await openLoaded();
    const button = (name) => page.getByRole('button', { name, exact: true });
    await button('Train').click();
    await page.waitForFunction(() => globalThis.groundup.curves.runs.started, null, { timeout: 30_000 });
    await button('Pause').click();
    await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Paused'), null, { timeout: 30_000 });
    await button('Reset').click(); // the pretrained net's run is kept
    await page.waitForFunction(() => document.querySelectorAll('#runs-legend li').length === 2, null, { timeout: 30_000 });
    assert.equal(await button('Clear runs').getAttribute('aria-disabled'), 'false');
    await assertAccessible(t, page);
    await button('Clear runs').click();
    await page.waitForFunction(() => document.getElementById('runs-status').textContent !== '');
    await assertNoViolations(t, page, 'light');
  });

  test('a refused setting: the message beside its field', async (t) => {
    const page = await openLoaded();
    const lr = page.getByLabel('Learning rate');
    await lr.fill('abc');
    await lr.press('Enter');
    await page.waitForFunction(
      () =>
        document.getElementById('learningRate-error').textContent !== '' &&
        document.getElementById('learningRate').getAttribute('aria-invalid') === 'true',
      null,
      { timeout: 30_000 },
    );
    t.diagnostic(`#learningRate-error: ${await page.locator('#learningRate-error').textContent()}`);
    await assertAccessible(t, page);
  });
});
