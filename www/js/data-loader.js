// Fetching the MNIST chunks listed in data/mnist/manifest.json: download
// (with retries), check size and sha256, keep in the Cache API, gunzip.
// Used by the worker; it hands the CSV bytes to Rust (`addChunk`), which
// parses them and reports malformed rows by file, line and column.
//
// No DOM here, and every browser facility is optional: without
// `crypto.subtle` (plain http on a non-local host) the sha256 is skipped but
// the size is still checked; without the Cache API (some private modes,
// sandboxed iframes) every visit downloads; without DecompressionStream the
// gzip bytes go to Rust, which can inflate them itself.

/** An error about one chunk; `message` starts with the chunk's file name. */
export class ChunkError extends Error {
  constructor(file, detail) {
    super(`${file}: ${detail}`);
    this.name = 'ChunkError';
    this.file = file;
  }
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const FILE_NAME = /^[A-Za-z0-9._-]+$/;

/**
 * Checks a parsed manifest.json and returns it. Throws an Error naming the
 * first thing wrong, so a bad manifest says so instead of failing later.
 */
export function validateManifest(manifest, where = 'manifest.json') {
  const fail = (detail) => {
    throw new Error(`${where}: ${detail}`);
  };
  if (!manifest || typeof manifest !== 'object') fail('not a JSON object');
  if (manifest.format_version !== 1) fail(`format_version ${manifest.format_version}, this page reads 1`);
  const shape = manifest.image_shape;
  if (!Array.isArray(shape) || shape[0] !== 28 || shape[1] !== 28) fail('image_shape is not [28, 28]');
  for (const split of ['train', 'test']) {
    const s = manifest[split];
    if (!s || !Array.isArray(s.chunks)) fail(`${split}.chunks is missing`);
    let rows = 0;
    s.chunks.forEach((c, i) => {
      const at = `${split}.chunks[${i}]`;
      if (typeof c.file !== 'string' || !FILE_NAME.test(c.file)) fail(`${at}.file is not a plain file name`);
      if (!Number.isInteger(c.rows) || c.rows < 0) fail(`${at}.rows is not a count`);
      if (!Number.isInteger(c.bytes) || c.bytes <= 0) fail(`${at}.bytes is not a size`);
      if (typeof c.sha256 !== 'string' || !SHA256_HEX.test(c.sha256)) fail(`${at}.sha256 is not 64 hex digits`);
      rows += c.rows;
    });
    if (s.rows !== rows) fail(`${split}.rows is ${s.rows} but its chunks hold ${rows}`);
  }
  return manifest;
}

/**
 * The order to load chunks in: the first training chunk, then the first
 * test chunk (so evaluation works early), then the rest, training first.
 * Returns [{split, chunk}].
 */
export function loadOrder(manifest) {
  const train = manifest.train.chunks.map((chunk) => ({ split: 'train', chunk }));
  const test = manifest.test.chunks.map((chunk) => ({ split: 'test', chunk }));
  return [...train.slice(0, 1), ...test.slice(0, 1), ...train.slice(1), ...test.slice(1)];
}

/** Hex sha256 of `bytes`, or null when the browser offers no crypto.subtle. */
export async function sha256Hex(bytes) {
  const subtle = globalThis.crypto && globalThis.crypto.subtle;
  if (!subtle) return null;
  const digest = new Uint8Array(await subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** True when the bytes start with the gzip magic number. */
export function isGzip(bytes) {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Inflates gzip bytes with the browser's DecompressionStream. Returns null
 * when there is none (the caller then passes the gzip bytes on as they are).
 */
export async function gunzip(bytes, file) {
  if (typeof globalThis.DecompressionStream !== 'function') return null;
  try {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    // The browser's message ("Failed to fetch", "incorrect header check")
    // does not say which file: name it, and the likely cause.
    throw new ChunkError(file, `the gzip data is damaged or cut short (${e.message || e})`);
  }
}

/**
 * The Cache API store for verified chunks, or null when there is none.
 * Opening can throw (e.g. in an opaque-origin iframe): then no caching.
 */
export async function openChunkCache(name = 'groundup-mnist-v1') {
  try {
    if (!globalThis.caches) return null;
    return await globalThis.caches.open(name);
  } catch {
    return null;
  }
}

// A chunk is cached under its URL plus its expected sha256: a new manifest
// with new data gets new keys, and nothing unverified is ever stored under
// a sha256 it does not have.
function cacheKey(url, chunk) {
  const key = new URL(url);
  key.searchParams.set('sha256', chunk.sha256);
  return key.href;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Downloads `url`, reporting progress, and returns the body's bytes.
 * Throws ChunkError on an HTTP error or a body of the wrong size.
 */
async function download(url, chunk, { fetchImpl, onBytes, attempt }) {
  // After a failed attempt, skip the HTTP cache: it may hold the bad copy.
  const response = await fetchImpl(url, attempt > 0 ? { cache: 'reload' } : {});
  if (!response.ok) {
    throw new ChunkError(chunk.file, `HTTP ${response.status} ${response.statusText || ''}`.trim());
  }
  let bytes;
  if (response.body && response.body.getReader) {
    // Read it in pieces so the progress bar moves during a slow download.
    const reader = response.body.getReader();
    const parts = [];
    let received = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      received += value.length;
      onBytes(Math.min(received, chunk.bytes));
    }
    bytes = new Uint8Array(received);
    let at = 0;
    for (const part of parts) {
      bytes.set(part, at);
      at += part.length;
    }
  } else {
    bytes = new Uint8Array(await response.arrayBuffer());
  }
  onBytes(chunk.bytes);
  return bytes;
}

/**
 * Checks downloaded or cached bytes against the manifest. Returns
 * {verified: bool}: false only when nothing could check the sha256.
 */
async function verify(bytes, chunk) {
  if (!isGzip(bytes)) {
    // Some hosts send .gz files with `Content-Encoding: gzip`, so the browser
    // has already inflated them: the bytes are the CSV itself, which Rust
    // parses and checks row by row. The sha256 (of the gzip) cannot apply.
    if (bytes.length > chunk.bytes) return { verified: false, inflatedByHost: true };
    throw new ChunkError(chunk.file, `got ${bytes.length} bytes that are not gzip (expected ${chunk.bytes} bytes of gzip)`);
  }
  if (bytes.length !== chunk.bytes) {
    throw new ChunkError(chunk.file, `got ${bytes.length} bytes, the manifest says ${chunk.bytes} (a cut-short download?)`);
  }
  const hash = await sha256Hex(bytes);
  if (hash !== null && hash !== chunk.sha256) {
    throw new ChunkError(chunk.file, `sha256 mismatch: the manifest says ${chunk.sha256.slice(0, 12)}…, the file has ${hash.slice(0, 12)}…`);
  }
  return { verified: hash !== null, inflatedByHost: false };
}

/**
 * Fetches one chunk and returns `{csv, fromCache, verified, keep}`: `csv` is
 * the plain CSV bytes, or the gzip bytes when the browser cannot inflate
 * them (Rust accepts both); `keep()` stores the verified download in the
 * cache — call it once the rows have parsed. Every failure is a ChunkError
 * naming the file.
 *
 * Network and HTTP failures, wrong sizes and checksum mismatches are retried
 * `retries` times with doubling delays (a 404 too: a deploy may be halfway
 * through); only verified bytes are cached.
 */
export async function loadChunk(baseUrl, chunk, options = {}) {
  const {
    cache = null,
    fetchImpl = globalThis.fetch.bind(globalThis),
    onBytes = () => {},
    retries = 3,
    backoffMs = 250,
  } = options;
  const url = new URL(chunk.file, baseUrl).href;
  const key = cacheKey(url, chunk);

  if (cache) {
    try {
      const hit = await cache.match(key);
      if (hit) {
        const bytes = new Uint8Array(await hit.arrayBuffer());
        try {
          const { verified } = await verify(bytes, chunk);
          onBytes(chunk.bytes);
          return { csv: (await gunzip(bytes, chunk.file)) ?? bytes, fromCache: true, verified, keep: async () => {} };
        } catch {
          await cache.delete(key); // damaged in storage: fetch it again
        }
      }
    } catch {
      // A broken cache must not stop the page: download instead.
    }
  }

  let lastError;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await sleep(backoffMs * 2 ** (attempt - 1));
    let bytes;
    let check;
    try {
      bytes = await download(url, chunk, { fetchImpl, onBytes, attempt });
      check = await verify(bytes, chunk);
    } catch (e) {
      lastError = e instanceof ChunkError ? e : new ChunkError(chunk.file, `download failed (${e.message || e})`);
      onBytes(0);
      continue;
    }
    if (check.inflatedByHost) return { csv: bytes, fromCache: false, verified: false, keep: async () => {} };
    const csv = (await gunzip(bytes, chunk.file)) ?? bytes;
    // Cached only when the caller says the chunk was usable (Rust parsed
    // every row): a chunk that matches its checksum but does not parse
    // would otherwise come back from the cache on every visit.
    const keep = async () => {
      if (!cache || !check.verified) return;
      try {
        await cache.put(key, new Response(bytes, { headers: { 'Content-Type': 'application/gzip' } }));
      } catch {
        // Quota exceeded or storage off: fine, the next visit downloads.
      }
    };
    return { csv, fromCache: false, verified: check.verified, keep };
  }
  throw new ChunkError(chunk.file, `${lastError.message.slice(chunk.file.length + 2)} (after ${retries + 1} attempts)`);
}

/** Fetches and validates the manifest (with the same retries as chunks). */
export async function loadManifest(url, { fetchImpl = globalThis.fetch.bind(globalThis), retries = 3, backoffMs = 250 } = {}) {
  const name = new URL(url).pathname.split('/').pop() || 'manifest.json';
  let lastError;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await sleep(backoffMs * 2 ** (attempt - 1));
    try {
      const response = await fetchImpl(url, attempt > 0 ? { cache: 'reload' } : {});
      if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText || ''}`.trim());
      const text = await response.text();
      let json;
      try {
        json = JSON.parse(text);
      } catch (e) {
        throw new Error(`not valid JSON (${e.message})`);
      }
      return validateManifest(json, name);
    } catch (e) {
      lastError = e.message.startsWith(`${name}:`) ? e : new Error(`${name}: ${e.message}`);
    }
  }
  throw lastError;
}
