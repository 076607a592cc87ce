// The page inside an iframe of course notes: it tells its parent how tall it
// is, and "Copy embed code" writes the iframe for the current settings and
// view. Nothing here touches the DOM when imported (Node tests it:
// e2e/unit/embed.test.mjs); embed-page.js calls it.
//
// The height message, a contract with embedding pages (README, "Embedding in
// course notes"):
//
//   {type: "groundup:height", height}   posted to window.parent, targetOrigin "*"
//
// `height` is document.documentElement.scrollHeight: an integer, in CSS
// pixels. Posted once when the page starts, once at `load`, and whenever it
// changes (a ResizeObserver on <html> and <body>). Never posted when the page
// is not framed. Any page may frame it and read the height: it says nothing
// else.

import { frameHeight, frameTitle } from './views.js';

export const HEIGHT_MESSAGE = 'groundup:height';

/** Whether `win` (a window) is inside a frame. */
export const isFramed = (win) => Boolean(win) && win.parent !== win && win.parent != null;

/**
 * Starts posting `win`'s height to its parent, if it is framed. Returns
 * `{post, stop}` (post(): posts now, even if unchanged), or null when `win`
 * is not framed (nothing is posted, nothing observed).
 */
export function reportHeight(win = globalThis.window) {
  if (!isFramed(win)) return null;
  const root = win.document.documentElement;
  let last = null;
  const post = (always = false) => {
    const height = Math.round(root.scrollHeight);
    if (!always && height === last) return;
    last = height;
    win.parent.postMessage({ type: HEIGHT_MESSAGE, height }, '*');
  };
  let observer = null;
  if (typeof win.ResizeObserver === 'function') {
    observer = new win.ResizeObserver(() => post());
    observer.observe(root);
    if (win.document.body) observer.observe(win.document.body);
  }
  const onLoad = () => post(true);
  win.addEventListener?.('load', onLoad, { once: true });
  post(true);
  return {
    post: () => post(true),
    stop() {
      observer?.disconnect();
      win.removeEventListener?.('load', onLoad);
    },
  };
}

// An attribute value in double quotes: `"`, `<` and `>` never occur in
// location.href (the URL parser percent-encodes them) but are escaped all
// the same; `&` is escaped only where it would start a character reference
// ("&amp;"), so that the fragment's "a=1&b=2" reads as it is.
const attribute = (text) =>
  String(text)
    .replace(/&(?=#?\w+;)/g, '&amp;')
    .replace(/"/g, '&quot;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');

/**
 * The iframe that embeds the page at `href` (its settings and view in the
 * fragment) showing the views `views` (null or empty: the whole page): a
 * title saying what it shows, full width, a height that fits the views
 * (the page then reports its own, see above), no border, loaded lazily.
 */
export function embedCode({ href, views }) {
  return (
    `<iframe src="${attribute(href)}" title="${attribute(frameTitle(views))}" ` +
    `width="100%" height="${frameHeight(views)}" style="border:0" loading="lazy"></iframe>`
  );
}
