/**
 * serveUi: the page at `/`, assets under /ui/, the chart library from node_modules, 304 on an
 * unchanged ETag, 404 for UI paths naming no file (no escaping the assets folder), 405 for other
 * methods, and false (nothing written) for every path that is not the UI's.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveUi, uiFile } from './serve.js';

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (serveUi(req, res)) return;
    res.writeHead(418, { 'Content-Type': 'text/plain' });
    res.end('not the UI');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('serveUi', () => {
  it('serves the page at / and /ui, and its modules and styles with their types', async () => {
    for (const path of ['/', '/ui', '/ui/', '/?x=1']) {
      const res = await fetch(base + path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await res.text()).toContain('<script type="module" src="/ui/app.js">');
    }
    const js = await fetch(`${base}/ui/app.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toContain("import('./pages/traces.js')");
    const page = await fetch(`${base}/ui/pages/trace-detail.js`);
    expect(page.status).toBe(200);
    const css = await fetch(`${base}/ui/style.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('serves the chart library from node_modules, nothing from a CDN', async () => {
    const res = await fetch(`${base}/ui/vendor/uPlot.esm.js`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/export \{[^}]*default/);
    expect((await fetch(`${base}/ui/vendor/uPlot.min.css`)).status).toBe(200);
    expect((await fetch(`${base}/ui/vendor/other.js`)).status).toBe(404);
    const html = await (await fetch(`${base}/`)).text();
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('answers 304 when the ETag has not changed', async () => {
    const first = await fetch(`${base}/ui/app.js`);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/);
    const again = await fetch(`${base}/ui/app.js`, { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
  });

  it('answers 404 for UI paths naming no file, never a file outside the assets', async () => {
    for (const path of ['/ui/nope.js', '/ui/../serve.ts', '/ui/%2e%2e/serve.ts', '/ui/lib/..%2f..%2fserve.ts', '/ui/.hidden.js', '/ui/lib/logprobs.d.ts', '/ui/%E0%A4%A']) {
      const res = await fetch(base + path);
      expect([404, 418], path).toContain(res.status);
      expect(await res.text()).not.toContain('serveUi');
    }
    expect(uiFile('/ui/../serve.ts')).toBe('');
    expect(uiFile('/ui/lib/../../serve.ts')).toBe('');
  });

  it('refuses other methods on UI paths and leaves every other path to the caller', async () => {
    const post = await fetch(`${base}/ui/app.js`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    for (const path of ['/api/traces', '/api/health', '/v1/traces', '/uix', '/favicon.ico']) {
      const res = await fetch(base + path);
      expect(res.status, path).toBe(418);
    }
    const head = await fetch(`${base}/ui/app.js`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(1000);
  });
});
