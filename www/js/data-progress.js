// The data panel: a progress bar per split, and the chunks that failed
// (named by the worker's `dataError`, inside a role=alert region).

const number = (n) => Math.round(n).toLocaleString('en');

/** The worker's `dataProgress` for one split, on its bar (`#<split>-progress`). */
export function showDataProgress(p) {
  const bar = document.getElementById(`${p.split}-progress`);
  const value = Math.round(p.fraction * 100);
  bar.setAttribute('aria-valuenow', String(value));
  const parts = [`${p.chunksDone} of ${p.chunks} chunks`, `${number(p.rows)} of ${number(p.totalRows)} images`];
  if (p.chunksFailed) parts.push(`${p.chunksFailed} failed`);
  if (p.fromCache) parts.push(`${p.fromCache} from this browser's cache`);
  bar.setAttribute('aria-valuetext', `${value}%: ${parts.join(', ')}`);
  bar.querySelector('.progress-fill').style.width = `${value}%`;
  bar.classList.toggle('failed', p.chunksFailed > 0);
  document.getElementById(`${p.split}-progress-text`).textContent = `${value}%`;
  bar.title = parts.join(', ');
}

/** The worker's `dataError`: one more line in the list. */
export function showDataError({ message: text }) {
  const li = document.createElement('li');
  li.textContent = text;
  document.getElementById('data-errors').append(li);
}

/** Starts over: bars at zero, no errors (a new worker loads and reports afresh). */
export function clearDataProgress() {
  document.getElementById('data-errors').replaceChildren();
  for (const split of ['train', 'test']) {
    showDataProgress({ split, fraction: 0, chunksDone: 0, chunksFailed: 0, chunks: 0, rows: 0, totalRows: 0, fromCache: 0 });
  }
}
