// A plain static file server for dist/, as any static host would serve it:
// no special headers, no rewriting. Node's standard library only.
//
//   node scripts/serve.mjs [--root dist] [--port 8080] [--base /] [--host 127.0.0.1]
//
// `--base /some/sub/path/` serves the folder under that path and answers
// 404 everywhere else, which is how the end-to-end tests check that the page
// uses relative URLs only. The tests also import `startServer` to inject
// faults (a broken chunk) through `intercept`.

import { createReadStream, promises as fs } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.gz': 'application/gzip',
  '.safetensors': 'application/octet-stream',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Starts serving `root` at `http://host:port{base}`. Resolves to
 * `{url, server, close()}`. `intercept(relativePath, req, res)` may answer
 * a request itself by returning true; it also sees requests outside `base`,
 * with a relative path starting "../" (e2e/embed.test.mjs serves a page of
 * course notes that frames the app there), which are otherwise 404.
 * `onRequest(req)` sees every request.
 */
export async function startServer({ root, base = '/', host = '127.0.0.1', port = 0, intercept, onRequest } = {}) {
  const rootDir = path.resolve(root);
  if (!base.startsWith('/') || !base.endsWith('/')) throw new Error(`base must start and end with "/": ${base}`);

  const server = http.createServer(async (req, res) => {
    onRequest?.(req);
    const notFound = () => {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('not found\n');
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' });
      res.end();
      return;
    }
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      notFound();
      return;
    }
    if (!pathname.startsWith(base)) {
      // A request outside the sub-path means an absolute URL in the page.
      if (intercept && (await intercept(path.posix.relative(base, pathname), req, res))) return;
      notFound();
      return;
    }
    let relative = pathname.slice(base.length);
    if (relative === '' || relative.endsWith('/')) relative += 'index.html';
    const file = path.resolve(rootDir, relative);
    if (!file.startsWith(rootDir + path.sep)) {
      notFound();
      return;
    }
    if (intercept && (await intercept(relative, req, res))) return;
    try {
      const stat = await fs.stat(file);
      if (!stat.isFile()) throw new Error('not a file');
      res.writeHead(200, {
        'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'Content-Length': stat.size,
        'Cache-Control': 'no-cache',
      });
      if (req.method === 'HEAD') {
        res.end();
      } else {
        createReadStream(file).pipe(res);
      }
    } catch {
      notFound();
    }
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  const url = `http://${host}:${address.port}${base}`;
  return {
    url,
    server,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

// Command line: serve until interrupted.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const option = (name, fallback) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
  };
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const root = path.resolve(option('root', path.join(repoRoot, 'dist')));
  const { url } = await startServer({
    root,
    base: option('base', '/'),
    host: option('host', '127.0.0.1'),
    port: Number(option('port', '8080')),
  });
  console.log(`serving ${root} at ${url}  (Ctrl-C to stop)`);
}
