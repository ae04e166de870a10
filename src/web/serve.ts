/**
 * Serves the web UI: `GET /` (and `/ui`, `/ui/`) answers the single page, `GET /ui/<file>` its
 * assets (plain ES modules and CSS from src/web/assets/, read from the package directory, so the
 * same files serve from a checkout and from an installed package; tsc has nothing to build), and
 * `GET /ui/vendor/<file>` the chart library's files from node_modules. No CDN, nothing fetched at
 * run time. Every other path is left to the caller: `serveUi` returns false for it.
 *
 * The page keeps its whole state in the URL's hash (`/#/traces?service=…`), so the server only ever
 * serves `/`; the data comes from the JSON API under `/api/`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** URL prefix of the UI's assets. */
export const UI_ASSET_PREFIX = '/ui/';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
};

/** The chart library's files the page may load, by the name it asks for. */
const VENDOR_FILES: Record<string, string> = {
  'uPlot.esm.js': 'uplot/dist/uPlot.esm.js',
  'uPlot.min.css': 'uplot/dist/uPlot.min.css',
};

/**
 * The assets folder: beside this module when it runs from the source tree (tests, tsx), else the
 * package's src/web/assets when it runs compiled from dist/src/web/.
 */
export function assetRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'assets'), join(here, '..', '..', '..', 'src', 'web', 'assets')];
  for (const c of candidates) if (existsSync(join(c, 'index.html'))) return c;
  throw new Error(`web UI assets not found (looked in ${candidates.join(', ')})`);
}

interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

/**
 * Answers `req` when its path is the UI's and returns true; returns false (writing nothing) for any
 * other path, such as `/api/…`. GET and HEAD only; other methods on UI paths get a 405.
 *
 * @example
 * const server = createServer((req, res) => { if (serveUi(req, res)) return; api(req, res); });
 */
export function serveUi(req: IncomingMessage, res: ServerResponse): boolean {
  const path = pathOf(req.url);
  const file = uiFile(path);
  if (file === null) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(`${req.method} not allowed on ${path}\n`);
    return true;
  }
  const asset = file === '' ? null : load(file);
  if (asset === null) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(`no such UI file: ${path}\n`);
    return true;
  }
  // Revalidated on every load (no-cache), answered 304 when unchanged: an upgrade is seen at once.
  const headers = { 'Content-Type': asset.type, ETag: asset.etag, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' };
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, headers);
    res.end();
    return true;
  }
  res.writeHead(200, { ...headers, 'Content-Length': asset.body.length });
  res.end(req.method === 'HEAD' ? undefined : asset.body);
  return true;
}

function pathOf(url: string | undefined): string {
  const q = (url ?? '/').indexOf('?');
  return q < 0 ? (url ?? '/') : (url ?? '/').slice(0, q);
}

/**
 * The absolute file a UI path names; '' for a UI path naming no file (a 404); null when the path is
 * not the UI's.
 */
export function uiFile(path: string): string | null {
  if (path === '/' || path === '/ui' || path === '/ui/' || path === '/index.html') return join(assetRoot(), 'index.html');
  if (!path.startsWith(UI_ASSET_PREFIX)) return null;
  let rel: string;
  try {
    rel = decodeURIComponent(path.slice(UI_ASSET_PREFIX.length));
  } catch {
    return '';
  }
  if (rel.startsWith('vendor/')) {
    const spec = VENDOR_FILES[rel.slice('vendor/'.length)];
    if (!spec) return '';
    try {
      return createRequire(import.meta.url).resolve(spec);
    } catch {
      return '';
    }
  }
  // Inside the assets folder only: no `..`, no absolute paths, no hidden files.
  const root = assetRoot();
  const full = normalize(join(root, rel));
  if (!full.startsWith(root + sep) || rel.split('/').some((seg) => seg.startsWith('.') || seg === '')) return '';
  if (!CONTENT_TYPES[extname(full)]) return '';
  return full;
}

const cache = new Map<string, Asset & { mtimeMs: number }>();

function load(file: string): Asset | null {
  let mtimeMs: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) return null;
    mtimeMs = st.mtimeMs;
  } catch {
    return null;
  }
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === mtimeMs) return hit;
  const body = readFileSync(file);
  const asset = { body, type: CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', etag: `"${body.length.toString(36)}-${Math.round(mtimeMs).toString(36)}"`, mtimeMs };
  cache.set(file, asset);
  return asset;
}
