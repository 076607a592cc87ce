// End-to-end: the page embedded in course notes (README, "Embedding in course
// notes"; www/js/views.js, embed.js, embed-page.js). A page of notes is
// served by the same server at /courses/ml/notes.html, outside the app's
// folder (the app's CSP is the app page's own: the notes page has none), with
// an iframe of the app and a script that records the app's height messages.
// Checked: #view=draw in a 400×700 frame shows the pad, the 28×28 image and
// the prediction without scrolling, and a drawing in the frame is answered;
// the height message reaches the parent and equals the framed document's
// scrollHeight; each view shows its panels only; an unknown panel is refused
// in #url-errors; "Copy embed code" copies an iframe of the current
// settings and view. Screenshots in target/e2e/embed-*.png.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { ARTIFACTS, DIGITS, readPrediction, setUp } from './harness.mjs';

const NOTES = '/courses/ml/notes.html';

// The notes page: `src` (the app's URL), `width`, `height` of the frame, and
// `resize=1` to size the frame from the app's height messages (the
// README's snippet). Every message of type groundup:height from the frame is
// recorded in `window.heights`; messages from elsewhere in `window.others`.
function notesPage(query) {
  const src = query.get('src');
  const width = Number(query.get('width') ?? 400);
  const height = Number(query.get('height') ?? 700);
  const resize = query.get('resize') === '1';
  const attr = (s) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Course notes: handwritten digits</title><link rel="icon" href="data:,">
<style>body { margin: 0; font-family: sans-serif; } iframe { display: block; }</style></head>
<body>
<iframe id="app" src="${attr(src)}" title="groundup" width="${width}" height="${height}" style="border:0"></iframe>
<p>Text of the notes after the frame.</p>
<script>
  const frame = document.getElementById('app');
  window.heights = [];
  window.others = [];
  addEventListener('message', (e) => {
    if (e.source !== frame.contentWindow || e.data?.type !== 'groundup:height') {
      window.others.push(e.data);
      return;
    }
    window.heights.push(e.data.height);
    ${resize ? "frame.style.height = e.data.height + 'px';" : ''}
  });
</script>
</body>
</html>
`;
}

let env;
let record;

before(async () => {
  env = await setUp({
    intercept: async (relative, req, res) => {
      if (relative !== '../notes.html') return false;
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' });
      res.end(notesPage(new URL(req.url, 'http://x').searchParams));
      return true;
    },
  });
});

after(async () => {
  await env?.close();
});

afterEach(async () => {
  await record?.page.close();
  record = null;
});

// Nothing went wrong in the console (the page's, the frame's or a worker's),
// and nothing was asked of another origin.
function assertClean() {
  assert.deepEqual(record.errors, [], 'console errors or uncaught exceptions');
  const foreign = record.requests.filter((url) => !url.startsWith(env.origin) && !url.startsWith('data:'));
  assert.deepEqual(foreign, [], 'requests to another origin');
}

/** Waits until `check()` (async) is truthy; returns its value. */
async function until(check, what, timeout = 30_000) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    last = await check();
    if (last) return last;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The app (a Page or a Frame) once its worker is ready and the pretrained net is in. */
async function appReady(app) {
  await app.waitForFunction(() => document.getElementById('train')?.disabled === false, null, { timeout: 60_000 });
  await app.waitForFunction(() => document.getElementById('state').textContent.startsWith('Pretrained CNN loaded'), null, {
    timeout: 60_000,
  });
}

/** The notes page with the app at `fragment` in a frame; returns {page, frame}. */
async function openNotes(fragment, { width = 400, height = 700, resize = false } = {}) {
  record = await env.newPage({ viewport: { width: 1000, height: 900 } });
  const { page } = record;
  const query = new URLSearchParams({ src: `${env.url}#${fragment}`, width, height, resize: resize ? '1' : '0' });
  await page.goto(`${env.origin}${NOTES}?${query}`);
  const frame = await (await page.locator('#app').elementHandle()).contentFrame();
  await appReady(frame);
  return { page, frame };
}

/** The app alone, not framed, at `fragment`. */
async function openApp(fragment, viewport = { width: 1000, height: 900 }) {
  record = await env.newPage({ viewport });
  const { page } = record;
  await page.goto(`${env.url}#${fragment}`);
  await appReady(page);
  return page;
}

/** The viewport box of element `id` in the app (page or frame): {top, bottom, left, right, width, height}. */
const boxOf = (app, selector) =>
  app.evaluate((s) => {
    const r = document.querySelector(s).getBoundingClientRect();
    return { top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width, height: r.height };
  }, selector);

/** Draws `strokes` (fractions of the pad) on the app's pad with the mouse of `page`. */
async function drawOn(page, app, strokes) {
  const box = await app.locator('#pad').boundingBox(); // in the page's coordinates, frame or not
  const at = ([x, y]) => [box.x + x * box.width, box.y + y * box.height];
  for (const points of strokes) {
    await page.mouse.move(...at(points[0]));
    await page.mouse.down();
    for (const p of points.slice(1)) await page.mouse.move(...at(p), { steps: 4 });
    await page.mouse.up();
  }
}

// The panels of the page, by the view that shows them.
const PANELS = {
  draw: '#draw-panel',
  train: '#train-panel',
  curves: 'section.charts',
  inside: '#inside-panel',
  gallery: 'section.gallery',
  lab: '#lab-panel',
};

/** Which of PANELS are visible in `app`: {draw: true, …}. */
async function visiblePanels(app) {
  const result = {};
  for (const [view, selector] of Object.entries(PANELS)) result[view] = await app.locator(selector).isVisible();
  return result;
}

const only = (...views) => Object.fromEntries(Object.keys(PANELS).map((v) => [v, views.includes(v)]));

describe('embedding in course notes', () => {
  test('#view=draw in a 400×700 iframe: pad, image and prediction without scrolling; a drawing is answered', async (t) => {
    const { page, frame } = await openNotes('view=draw');
    assert.equal(await frame.evaluate(() => document.documentElement.dataset.viewing), 'draw');
    assert.equal(await frame.evaluate(() => 'framed' in document.documentElement.dataset), true);
    // The drawing panel (and the feature maps of the inside panel), nothing else.
    assert.deepEqual(await visiblePanels(frame), { ...only('draw'), inside: true });
    assert.equal(await frame.locator('#feature-maps-block').isVisible(), true);
    assert.equal(await frame.locator('#inside-heading').isVisible(), false);
    assert.equal(await frame.locator('#train-panel').isVisible(), false);
    assert.equal(await frame.getByRole('button', { name: 'Train', exact: true }).count(), 0, 'no Train button for a reader');
    // Nothing to copy for a reader of the notes; one h1, compact.
    assert.equal(await frame.getByRole('button', { name: 'Copy embed code' }).count(), 0);
    assert.equal(await frame.locator('h1').count(), 1);
    assert.equal(await frame.locator('h1').isVisible(), true);

    const framed = await frame.evaluate(() => ({ width: innerWidth, height: innerHeight }));
    assert.deepEqual(framed, { width: 400, height: 700 });
    for (const selector of ['#pad', '#seen', '#prediction']) {
      const box = await boxOf(frame, selector);
      t.diagnostic(`${selector}: top ${Math.round(box.top)}, bottom ${Math.round(box.bottom)}, width ${Math.round(box.width)}`);
      assert.ok(box.width > 0 && box.height > 0, `${selector} is laid out`);
      assert.ok(box.top >= 0 && box.bottom <= 700, `${selector} within the first 700 px`);
      assert.ok(box.left >= 0 && box.right <= 400, `${selector} within the 400 px`);
    }
    assert.ok((await boxOf(frame, '#pad')).width >= 180, 'the pad is big enough to draw on');
    assert.equal(await frame.evaluate(() => scrollY), 0);
    await page.locator('#app').screenshot({ path: path.join(ARTIFACTS, 'embed-draw-400.png') });

    await drawOn(page, frame, DIGITS[7]);
    const answer = await readPrediction(frame);
    t.diagnostic(`in the frame: ${answer.text}`);
    assert.match(answer.text, /^Prediction: \d \(\d+%\)/);
    const prediction = await boxOf(frame, '#prediction');
    assert.ok(prediction.top >= 0 && prediction.bottom <= 700, 'the answer within the first 700 px');
    assert.equal(await frame.evaluate(() => scrollY), 0, 'the frame did not scroll');
    await page.locator('#app').screenshot({ path: path.join(ARTIFACTS, 'embed-draw-400-answered.png') });
    assertClean();
  });

  test('the height message reaches the notes page and equals the framed scrollHeight, also after a change', async (t) => {
    const { page, frame } = await openNotes('view=draw', { resize: true });
    const scrollHeight = () => frame.evaluate(() => document.documentElement.scrollHeight);
    const latest = () => page.evaluate(() => window.heights.at(-1));
    const settled = async () => {
      const [h, sh] = [await latest(), await scrollHeight()];
      return h !== undefined && h === sh ? h : null;
    };
    const first = await until(settled, 'a height message equal to the framed scrollHeight');
    const heights = await page.evaluate(() => window.heights);
    t.diagnostic(`heights posted: ${heights.join(', ')}`);
    assert.ok(heights.length >= 1);
    for (const h of heights) assert.ok(Number.isInteger(h) && h > 0, `height ${h}`);
    assert.deepEqual(await page.evaluate(() => window.others), [], 'no other messages');
    // The notes page sized its frame from it: the frame no longer scrolls.
    assert.equal(await page.evaluate(() => document.getElementById('app').getBoundingClientRect().height), first);
    assert.equal(await frame.evaluate(() => document.documentElement.scrollHeight <= innerHeight), true);

    // A drawing adds the feature maps: the page grows and says so.
    await drawOn(page, frame, DIGITS[0]);
    await readPrediction(frame);
    await frame.waitForFunction(() => document.querySelector('#feature-maps canvas') !== null, null, { timeout: 30_000 });
    const grown = await until(async () => {
      const h = await settled();
      return h && h !== first ? h : null;
    }, 'a new height message after the feature maps appear');
    t.diagnostic(`after a drawing: ${grown}`);
    assert.equal(await page.evaluate(() => document.getElementById('app').getBoundingClientRect().height), grown);
    await page.screenshot({ path: path.join(ARTIFACTS, 'embed-notes-resized.png'), fullPage: true });
    assertClean();
  });

  test('not framed: no height message is posted', async () => {
    record = await env.newPage();
    const { page } = record;
    await page.addInitScript(() => {
      window.messages = [];
      addEventListener('message', (e) => window.messages.push(e.data));
    });
    await page.goto(`${env.url}#view=draw`);
    await appReady(page);
    await page.waitForTimeout(500);
    assert.deepEqual(await page.evaluate(() => window.messages), []);
    assert.equal(await page.evaluate(() => 'framed' in document.documentElement.dataset), false);
    assertClean();
  });

  const VIEWS = [
    // [fragment, the panels shown, screenshot name]
    ['view=draw', { ...only('draw'), inside: true }, 'draw'],
    ['view=train', only('train'), 'train'],
    ['view=curves', only('curves'), 'curves'],
    ['view=inside', only('inside'), 'inside'],
    ['view=gallery', only('gallery'), 'gallery'],
    ['view=lab', only('lab'), 'lab'],
    ['view=curves,train', only('curves', 'train'), 'curves-train'],
  ];
  test('each view shows its panels only, in a 400 px frame (screenshots)', async (t) => {
    for (const [fragment, expected, name] of VIEWS) {
      const { page, frame } = await openNotes(fragment, { resize: true });
      assert.deepEqual(await visiblePanels(frame), expected, fragment);
      assert.equal(await frame.locator('#url-errors').textContent(), '', `${fragment}: nothing refused`);
      // One column: every panel shown starts at the same left edge.
      const lefts = new Set();
      for (const [view, selector] of Object.entries(PANELS)) {
        if (expected[view]) lefts.add(Math.round((await boxOf(frame, selector)).left));
      }
      assert.ok(lefts.size <= 1, `${fragment}: one column`);
      await until(async () => (await page.evaluate(() => window.heights.at(-1))) === (await frame.evaluate(() => document.documentElement.scrollHeight)), `${fragment}: the height`);
      const height = await page.evaluate(() => window.heights.at(-1));
      t.diagnostic(`#${fragment}: ${height} px high at 400 px`);
      await page.locator('#app').screenshot({ path: path.join(ARTIFACTS, `embed-view-${name}.png`) });
      assertClean();
      await page.close();
      record = null;
    }
  });

  test('#view=curves,train shows those two and hides draw and gallery (the app alone)', async () => {
    const page = await openApp('view=curves,train');
    assert.deepEqual(await visiblePanels(page), only('curves', 'train'));
    assert.equal(await page.evaluate(() => document.documentElement.dataset.viewing), 'curves train');
    // The training panel keeps working: its Train button is there.
    assert.equal(await page.getByRole('button', { name: 'Train', exact: true }).isVisible(), true);
    // The curves come with their runs: the legend (the current run at least) and Clear runs.
    assert.equal(await page.getByRole('button', { name: 'Clear runs', exact: true }).isVisible(), true);
    const legend = page.getByRole('list', { name: 'Runs' });
    assert.equal(await legend.isVisible(), true);
    await page.waitForFunction(() => document.querySelectorAll('#runs-legend li[data-current="true"]').length === 1);
    assert.equal(await page.evaluate(() => location.hash), '#view=curves,train');
    assertClean();
  });

  test('#view=draw,nonsense shows draw and refuses nonsense in #url-errors, naming it', async () => {
    const page = await openApp('view=draw,nonsense', { width: 400, height: 700 });
    assert.deepEqual(await visiblePanels(page), { ...only('draw'), inside: true });
    await page.waitForFunction(() => document.getElementById('url-errors').textContent !== '', null, { timeout: 30_000 });
    const text = await page.locator('#url-errors').textContent();
    assert.equal(
      text,
      'URL: view=draw,nonsense names nonsense, which is not a panel of this page (draw, train, curves, inside, gallery, lab); using draw.',
    );
    assert.equal(await page.locator('#url-errors').isVisible(), true);
    assert.equal(await page.getByRole('alert').filter({ hasText: 'nonsense' }).count(), 1);
    // The link is kept as it was written.
    assert.equal(await page.evaluate(() => location.hash), '#view=draw,nonsense');
    await page.screenshot({ path: path.join(ARTIFACTS, 'embed-view-refused.png') });
    assertClean();
  });

  test('a new fragment that changes only the view keeps the network and its training', async () => {
    record = await env.newPage({ viewport: { width: 1000, height: 900 } });
    const { page } = record;
    await page.goto(`${env.url}#preset=cnn&seed=3`); // a fresh network, not the pretrained one
    await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Untrained CNN'), null, { timeout: 60_000 });
    await page.waitForFunction(() => document.getElementById('train-progress').getAttribute('aria-valuenow') !== '0', null, { timeout: 60_000 });
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await page.waitForFunction(() => Number(document.getElementById('progress-line').dataset.step) >= 20, null, { timeout: 60_000 });
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Paused'));
    const step = await page.evaluate(() => Number(document.getElementById('progress-line').dataset.step));
    await page.evaluate(() => {
      location.hash = '#preset=cnn&seed=3&view=curves,train';
    });
    await page.waitForFunction(() => document.documentElement.dataset.viewing === 'curves train');
    await page.waitForTimeout(1000); // a reload of the network would show by now
    assert.match(await page.locator('#state').textContent(), /^Paused/);
    assert.equal(await page.evaluate(() => Number(document.getElementById('progress-line').dataset.step)), step);
    assert.deepEqual(await visiblePanels(page), only('curves', 'train'));
    // A fragment that changes a setting still applies it.
    await page.evaluate(() => {
      location.hash = '#preset=cnn&seed=4&view=curves,train';
    });
    await page.waitForFunction(() => /seed 4/.test(document.getElementById('state').textContent), null, { timeout: 30_000 });
    assertClean();
  });

  test('an unknown view alone: refused, and the whole page shown', async () => {
    const page = await openApp('view=foo');
    assert.deepEqual(await visiblePanels(page), only('draw', 'train', 'curves', 'inside', 'gallery', 'lab'));
    await page.waitForFunction(() => document.getElementById('url-errors').textContent !== '', null, { timeout: 30_000 });
    assert.match(await page.locator('#url-errors').textContent(), /^URL: view=foo names foo, .*; showing the whole page\.$/);
    assertClean();
  });

  test('"Copy embed code" copies an iframe of the current settings and view, or selects it when the clipboard refuses', async () => {
    await env.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.origin });
    // In a view without the training panel, not framed: the view bar has the button.
    let page = await openApp('view=draw', { width: 400, height: 700 });
    const copy = page.getByRole('button', { name: 'Copy embed code', exact: true });
    assert.equal(await copy.count(), 1);
    await copy.click();
    await page.waitForFunction(() => document.getElementById('embed-view-status').textContent === 'Embed code copied.');
    const snippet = await page.evaluate(() => navigator.clipboard.readText());
    assert.ok(snippet.startsWith('<iframe '), snippet);
    assert.ok(snippet.includes(`src="${env.url}#view=draw"`), snippet);
    assert.ok(snippet.includes('view=draw'), snippet);
    assert.match(snippet, / title="groundup: [^"]+"/);
    assert.match(snippet, / width="100%" height="700" style="border:0" loading="lazy"><\/iframe>$/);
    assert.equal(await page.getByRole('status').filter({ hasText: 'Embed code copied.' }).count(), 1);
    assertClean();
    await page.close();

    // The whole page, with a setting: the button beside "Copy link".
    page = await openApp('lr=0.01');
    await page.waitForFunction(() => globalThis.groundup.settings.learningRate === 0.01, null, { timeout: 30_000 });
    const buttons = page.locator('#train-panel > .buttons');
    assert.deepEqual(await buttons.getByRole('button').allTextContents(), ['Train', 'Pause', 'Reset', 'Copy link', 'Copy embed code']);
    await buttons.getByRole('button', { name: 'Copy embed code', exact: true }).click();
    await page.waitForFunction(() => document.getElementById('embed-status').textContent === 'Embed code copied.');
    const whole = await page.evaluate(() => navigator.clipboard.readText());
    assert.ok(whole.includes(`src="${env.url}#lr=0.01"`), whole);
    assert.match(whole, /title="groundup: train a neural network on handwritten digits in your browser"/);
    assert.match(whole, /height="1800"/);

    // The clipboard refuses: the snippet is selected in a field instead.
    await page.evaluate(() => {
      navigator.clipboard.writeText = () => Promise.reject(new DOMException('denied', 'NotAllowedError'));
    });
    await buttons.getByRole('button', { name: 'Copy embed code', exact: true }).click();
    await page.waitForFunction(() => document.getElementById('embed-status').textContent.startsWith('Could not copy'));
    const field = page.getByLabel('Embed code for these settings');
    assert.equal(await field.isVisible(), true);
    assert.equal(await field.inputValue(), whole);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'embed-field');
    assert.equal(
      await page.locator('#embed-status').textContent(),
      'Could not copy: the embed code is selected in the field below; copy it from there.',
    );
    assertClean();
  });
});
