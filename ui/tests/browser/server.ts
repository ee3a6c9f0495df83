// A tiny static server for the built dist/ on 127.0.0.1 (random port). With `harness`, index.html
// gets the mock-backend script injected before the app's own script.
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const uiRoot = resolve(here, '../..');
const dist = join(uiRoot, 'dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

const EXTRA: Record<string, string> = {
  '/__test/mocks.js': join(uiRoot, 'node_modules/@tauri-apps/api/mocks.js'),
  '/__test/harness.js': join(here, 'harness.js'),
};

export async function startServer(opts: { harness?: boolean } = { harness: true }): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      let file: string;
      if (EXTRA[path]) file = EXTRA[path];
      else {
        const rel = normalize(path === '/' ? '/index.html' : path).replace(/^(\.\.[/\\])+/, '');
        file = join(dist, rel);
        if (!file.startsWith(dist)) throw new Error('outside');
      }
      let body: Buffer | string = await readFile(file);
      if (opts.harness !== false && file === join(dist, 'index.html')) {
        body = body.toString('utf8').replace('<script type="module"', '<script type="module" src="/__test/harness.js"></script>\n    <script type="module"');
      }
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('no address');
  return {
    url: `http://127.0.0.1:${addr.port}/`,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
