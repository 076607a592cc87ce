// Embedding (www/js/embed.js): the height message a framed page posts to its
// parent, and the iframe "Copy embed code" writes. Stand-ins for the window:
// the module touches no DOM when imported.
import assert from 'node:assert/strict';
import { test } from 'node:test';

assert.equal(typeof document, 'undefined');
const { HEIGHT_MESSAGE, embedCode, isFramed, reportHeight } = await import('../../www/js/embed.js');

/** A stand-in window: framed (with a parent recording messages) or not. */
function fakeWindow({ framed, height = 640 }) {
  const posted = [];
  const listeners = {};
  const observers = [];
  const win = {
    document: { documentElement: { scrollHeight: height }, body: {} },
    addEventListener: (type, fn) => (listeners[type] = fn),
    removeEventListener: (type) => delete listeners[type],
    ResizeObserver: class {
      constructor(callback) {
        this.callback = callback;
        this.observed = [];
        observers.push(this);
      }
      observe(target) {
        this.observed.push(target);
      }
      disconnect() {
        this.disconnected = true;
      }
    },
  };
  win.parent = framed ? { postMessage: (data, origin) => posted.push({ data, origin }) } : win;
  return {
    win,
    posted,
    observers,
    resize(h) {
      win.document.documentElement.scrollHeight = h;
      for (const o of observers) o.callback([]);
    },
    fire: (type) => listeners[type]?.(),
  };
}

test('not framed: nothing is posted, nothing observed', () => {
  const fake = fakeWindow({ framed: false });
  assert.equal(isFramed(fake.win), false);
  assert.equal(reportHeight(fake.win), null);
  assert.deepEqual(fake.posted, []);
  assert.deepEqual(fake.observers, []);
});

test('framed: the height at once, at load, and at every change, to any origin', () => {
  const fake = fakeWindow({ framed: true, height: 640 });
  assert.equal(isFramed(fake.win), true);
  const reporter = reportHeight(fake.win);
  assert.ok(reporter);
  assert.deepEqual(fake.posted, [{ data: { type: 'groundup:height', height: 640 }, origin: '*' }]);
  assert.equal(HEIGHT_MESSAGE, 'groundup:height');
  // <html> and <body> are observed.
  assert.deepEqual(fake.observers[0].observed, [fake.win.document.documentElement, fake.win.document.body]);
  fake.resize(640); // unchanged: not posted again
  assert.equal(fake.posted.length, 1);
  fake.resize(812);
  fake.fire('load');
  assert.deepEqual(fake.posted.map((p) => p.data.height), [640, 812, 812]);
  for (const { data, origin } of fake.posted) {
    assert.equal(origin, '*');
    assert.ok(Number.isInteger(data.height));
    assert.deepEqual(Object.keys(data), ['type', 'height']);
  }
  reporter.stop();
  assert.equal(fake.observers[0].disconnected, true);
});

test('the embed code: an iframe of the page with its fragment, a title, a size, no border, lazy', () => {
  const href = 'https://host/courses/ml/groundup/#lr=0.01&view=draw';
  const code = embedCode({ href, views: ['draw'] });
  assert.match(code, /^<iframe src="https:\/\/host\/courses\/ml\/groundup\/#lr=0\.01&view=draw" /);
  assert.match(code, / title="groundup: draw a digit \(a neural network for handwritten digits\)" /);
  assert.match(code, / width="100%" height="\d+" style="border:0" loading="lazy"><\/iframe>$/);
  const height = Number(/height="(\d+)"/.exec(code)[1]);
  assert.ok(height > 300 && height <= 700, `height ${height}`);
  // The whole page: a taller frame and a title saying what it is.
  const whole = embedCode({ href: 'https://host/g/', views: null });
  assert.match(whole, /title="groundup: train a neural network on handwritten digits in your browser"/);
  assert.match(whole, /height="1800"/);
  // Nothing can close the attribute or start a tag; "&x;" is escaped, "&lr=" is not.
  const odd = embedCode({ href: 'https://h/"><script>#a=1&amp;b', views: ['curves', 'train'] });
  assert.match(odd, /src="https:\/\/h\/&quot;&gt;&lt;script&gt;#a=1&amp;amp;b"/);
  assert.match(odd, /title="groundup: learning curves, train the network/);
});
