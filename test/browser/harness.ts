/**
 * Browser tests' harness: Debian's Chromium driven by playwright-core (never a downloaded browser),
 * and a small node:http server that serves the UI (src/web/serve.ts) and answers /api/* from
 * stubs, recording every API request so a test can check what a page asked for.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { serveUi } from '../../src/web/serve.js';

export const CHROMIUM = '/usr/bin/chromium';
/** Browser tests run only where Debian's chromium is installed (`apt-get install chromium`). */
export const hasChromium = existsSync(CHROMIUM);

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

/** A stub's answer: a JSON body (status 200), or an explicit status and body. */
export type StubAnswer = unknown | { readonly status: number; readonly body: unknown };
export type Stub = (url: URL) => StubAnswer | Promise<StubAnswer>;

export interface StubServer {
  readonly url: string;
  /** Every /api/* request received, in order. */
  readonly requests: URL[];
  /** Replaces or adds stubs, by exact path or by a `:param` pattern (`/api/traces/:id`). */
  set(stubs: Record<string, Stub>): void;
  close(): Promise<void>;
}

export function answer(status: number, body: unknown): { status: number; body: unknown } {
  return { status, body };
}

function isAnswer(v: unknown): v is { status: number; body: unknown } {
  return typeof v === 'object' && v !== null && typeof (v as { status?: unknown }).status === 'number' && 'body' in v && Object.keys(v).length === 2;
}

function matchPattern(pattern: string, path: string): boolean {
  const a = pattern.split('/');
  const b = path.split('/');
  return a.length === b.length && a.every((seg, i) => seg.startsWith(':') || seg === b[i]);
}

/** Starts the UI with stubbed API endpoints; unknown endpoints answer 404 like Strata's router. */
export async function startStubServer(initial: Record<string, Stub>): Promise<StubServer> {
  let stubs = { ...initial };
  const requests: URL[] = [];
  const server: Server = createServer(async (req, res) => {
    if (serveUi(req, res)) return;
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(url);
    const key = Object.keys(stubs).find((p) => p === url.pathname) ?? Object.keys(stubs).find((p) => matchPattern(p, url.pathname));
    let status = 404;
    let body: unknown = { error: `no such endpoint: ${url.pathname}` };
    if (key) {
      try {
        const out = await stubs[key](url);
        if (isAnswer(out)) ({ status, body } = out);
        else [status, body] = [200, out];
      } catch (err) {
        [status, body] = [500, { error: String(err) }];
      }
    }
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    set: (more) => {
      stubs = { ...stubs, ...more };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface WatchedPage {
  readonly page: Page;
  /** Console errors and uncaught exceptions seen so far (failed HTTP loads are in `failedLoads`). */
  readonly errors: string[];
  /** Chromium's "Failed to load resource" console lines: an API answer of 4xx/5xx a page asked for. */
  readonly failedLoads: string[];
}

/** A new page that records console errors and page errors. */
export async function openPage(browser: Browser, options: { colorScheme?: 'light' | 'dark'; width?: number; height?: number } = {}): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: options.width ?? 1400, height: options.height ?? 900 }, colorScheme: options.colorScheme ?? 'light' });
  const page = await context.newPage();
  const errors: string[] = [];
  const failedLoads: string[] = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (m.text().startsWith('Failed to load resource')) failedLoads.push(`${m.location().url} ${m.text()}`);
    else errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`${e.name}: ${e.message}`));
  return { page, errors, failedLoads };
}

/** The API requests to `path` received so far. */
export function requestsTo(server: StubServer, path: string): URL[] {
  return server.requests.filter((u) => u.pathname === path);
}
