// canvas.js — helpers every canvas of the page shares (the charts, the
// probability bars, the drawing pad): a sharp backing store at the device
// pixel ratio, colours read from CSS custom properties, and the reader's
// light/dark preference. They touch the DOM only when called.

const sizePinned = new WeakSet();

/**
 * The backing-store size `{ width, height, ratio }` a canvas needs to be sharp:
 * its CSS size times the device pixel ratio (`ratio` = device pixels per CSS
 * pixel). Returns the current size if the canvas isn't laid out.
 *
 * A canvas the page hasn't sized in CSS is laid out at its width attribute, so
 * growing the backing store would grow the canvas, and again on the next
 * resize. The first time a canvas is seen here, such a width is pinned to its
 * current CSS size (shrinking to fit narrow screens).
 */
export function displaySize(canvas) {
  if (!sizePinned.has(canvas)) {
    sizePinned.add(canvas);
    const before = canvas.getBoundingClientRect().width;
    if (before > 0) {
      canvas.width += 1;
      const sizedByAttribute = canvas.getBoundingClientRect().width !== before;
      canvas.width -= 1;
      if (sizedByAttribute) {
        canvas.style.width = `${before}px`;
        if (!canvas.style.maxWidth) canvas.style.maxWidth = '100%';
      }
    }
  }
  const rect = canvas.getBoundingClientRect();
  if (rect.width === 0 || rect.height === 0) {
    return { width: canvas.width, height: canvas.height, ratio: 1 };
  }
  // clientWidth excludes borders, which the backing store doesn't cover.
  const cssWidth = canvas.clientWidth || rect.width;
  const cssHeight = canvas.clientHeight || rect.height;
  const ratio = globalThis.devicePixelRatio || 1;
  return {
    width: Math.max(1, Math.round(cssWidth * ratio)),
    height: Math.max(1, Math.round(cssHeight * ratio)),
    ratio,
  };
}

/** Resizes the backing store to `size` if needed; true if it changed (and was cleared). */
export function applySize(canvas, size) {
  if (canvas.width === size.width && canvas.height === size.height) return false;
  canvas.width = size.width;
  canvas.height = size.height;
  return true;
}

/**
 * A colour for drawing: `value` may be a colour, a custom property name
 * ("--accent") or "var(--accent, fallback)"; custom properties are read from
 * the element's computed style. Empty or unset gives `fallback`.
 */
export function cssColor(element, value, fallback) {
  if (!value) return fallback;
  const reference = /^var\(\s*(--[\w-]+)\s*(?:,\s*(.+))?\)$/.exec(value.trim());
  const name = reference ? reference[1] : value.startsWith('--') ? value : null;
  if (name === null) return value;
  const resolved = getComputedStyle(element).getPropertyValue(name).trim();
  return resolved || (reference && reference[2]) || fallback;
}

/** True if the reader's system asks for a dark colour scheme. */
export function prefersDark() {
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;
}

/** Calls `listener` when the reader's colour scheme changes; returns an unsubscribe function. */
export function onColorSchemeChange(listener) {
  if (typeof matchMedia !== 'function') return () => {};
  const query = matchMedia('(prefers-color-scheme: dark)');
  query.addEventListener('change', listener);
  return () => query.removeEventListener('change', listener);
}
