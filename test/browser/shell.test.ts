/**
 * The shell in headless Chromium: every page loads with data and with empty data without console
 * errors, the URL holds the view (reload and back button restore it), the time range and refresh
 * pickers write the URL and reach the API, the theme toggles, and the keyboard moves between pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import {
  calibrationAnswer, emptyCalibration, entitiesAnswer, incident, metricsAnswer, monitorsAnswer, probesAnswer, resolvedIncident, traceDetail, traceSummary,
} from './fixtures.js';
import { hasChromium, launchBrowser, openPage, requestsTo, startStubServer, type StubServer } from './harness.js';

const PAGES = ['overview', 'incidents', 'traces', 'calibration', 'behaviour', 'infrastructure', 'settings'];

const FULL = {
  '/api/traces': () => ({ traces: [traceSummary(0), traceSummary(1)], next: null }),
  '/api/traces/:id': () => traceDetail(),
  '/api/monitors/results': () => ({ results: [] }),
  '/api/incidents': () => ({ incidents: [incident(), resolvedIncident()] }),
  '/api/incidents/:id': () => incident(),
  '/api/metrics': (u: URL) => metricsAnswer(u),
  '/api/entities': () => entitiesAnswer(),
  '/api/calibration': () => calibrationAnswer(),
  '/api/monitors': () => monitorsAnswer(),
  '/api/probes': () => probesAnswer(),
  '/api/health': () => ({ status: 'ok', scrapeTargets: [{ url: 'http://gpu-node-1:9400/metrics', job: 'dcgm', kind: 'dcgm', up: true, lastScrapeUnixMs: Date.now(), lastDurationMs: 3, lastError: null, samples: 100 }] }),
  '/api/config': () => ({ gateway: { port: 4100, routes: [{ model: 'qwen*', upstreams: ['http://gpu-node-1:8000/v1'] }] }, scrape: [{ url: 'http://gpu-node-1:9400/metrics' }] }),
};

const EMPTY = {
  '/api/traces': () => ({ traces: [], next: null }),
  '/api/metrics': (u: URL) => ({ signal: u.searchParams.get('signal'), start: 0, end: 1, stepMs: 1000, truncated: false, series: [] }),
  '/api/entities': () => ({ entities: [], edges: [] }),
  '/api/calibration': () => emptyCalibration(),
  '/api/monitors': () => ({ monitors: [] }),
  '/api/probes': () => ({ probes: [] }),
  '/api/health': () => ({ status: 'ok' }),
  // No /api/incidents and no /api/config: not served, as on a Strata without detection.
};

describe.skipIf(!hasChromium)('UI shell in Chromium', () => {
  let browser: Browser;
  let full: StubServer;
  let empty: StubServer;

  beforeAll(async () => {
    [browser, full, empty] = await Promise.all([launchBrowser(), startStubServer(FULL), startStubServer(EMPTY)]);
  });
  afterAll(async () => {
    await browser?.close();
    await full?.close();
    await empty?.close();
  });

  it('renders every page with data, without console errors', async () => {
    const { page, errors, failedLoads } = await openPage(browser);
    for (const p of PAGES) {
      await page.goto(`${full.url}/#/${p}`);
      await page.waitForFunction((name) => document.querySelector('#nav a[aria-current="page"]')?.getAttribute('data-page') === name && !document.querySelector('.topbar.busy') && document.querySelector('main h1') !== null, p);
      expect(await page.title()).toMatch(/· Strata$/);
    }
    await page.goto(`${full.url}/#/overview`);
    await page.waitForSelector('#layers .strip[data-layer="infrastructure"] canvas');
    expect(await page.locator('#layers .strip').count()).toBe(5);
    expect(await page.locator('#open-incidents a').first().textContent()).toContain('Thermal slowdown');
    expect(await page.locator('#topology .node.bad').allTextContents()).toEqual(expect.arrayContaining(['gpu-node-1:8000', 'GPU-1234']));
    expect(errors).toEqual([]);
    expect(failedLoads).toEqual([]);
  });

  it('renders every page with empty data and says what to send', async () => {
    const { page, errors } = await openPage(browser, { colorScheme: 'dark' });
    for (const p of PAGES) {
      await page.goto(`${empty.url}/#/${p}`);
      await page.waitForFunction(() => !document.querySelector('.topbar.busy') && document.querySelector('main h1') !== null);
      expect(await page.locator('main .empty').count(), p).toBeGreaterThan(0);
    }
    await page.goto(`${empty.url}/#/traces`);
    await page.waitForSelector('main .empty pre');
    const help = await page.locator('main .empty').first().textContent();
    expect(help).toContain('/v1/traces');
    expect(help).toContain('strata demo');
    await page.goto(`${empty.url}/#/incidents`);
    await page.waitForSelector('main .empty');
    expect(await page.locator('main .empty h2').textContent()).toBe('Incident detection is not running');
    // Only the endpoints that are not served failed to load; nothing else went wrong.
    expect(errors).toEqual([]);
  });

  it('keeps the view in the URL: time range, reload and the back button', async () => {
    const { page, errors } = await openPage(browser);
    await page.goto(`${full.url}/#/traces?service=support-bot`);
    await page.waitForSelector('#trace-table');
    await page.selectOption('#range', '-6h');
    await page.waitForFunction(() => location.hash.includes('from=-6h'));
    await page.waitForFunction(() => !document.querySelector('.topbar.busy'));
    const last = requestsTo(full, '/api/traces').at(-1)!;
    expect(last.searchParams.get('start')).toBe('-6h');
    expect(last.searchParams.get('service')).toBe('support-bot');
    await page.click('#nav a[data-page="calibration"]');
    await page.waitForSelector('#calibration-metrics');
    // The range rides along to the next page.
    expect(page.url()).toContain('#/calibration?from=-6h');
    expect(requestsTo(full, '/api/calibration').at(-1)!.searchParams.get('from')).toBe('-6h');
    await page.goBack();
    await page.waitForSelector('#trace-table');
    expect(await page.inputValue('input[name="service"]')).toBe('support-bot');
    expect(await page.inputValue('#range')).toBe('-6h');
    await page.reload();
    await page.waitForSelector('#trace-table');
    expect(await page.inputValue('input[name="service"]')).toBe('support-bot');
    expect(await page.inputValue('#range')).toBe('-6h');
    expect(errors).toEqual([]);
  });

  it('auto-refreshes at the chosen interval', async () => {
    const { page, errors } = await openPage(browser);
    await page.clock.install();
    await page.goto(`${full.url}/#/behaviour?refresh=10s`);
    await page.waitForSelector('#monitors table');
    const before = requestsTo(full, '/api/monitors').length;
    await page.clock.runFor(10_500);
    await page.waitForFunction(() => !document.querySelector('.topbar.busy'));
    expect(requestsTo(full, '/api/monitors').length).toBe(before + 1);
    await page.clock.runFor(10_000);
    await page.waitForFunction(() => !document.querySelector('.topbar.busy'));
    expect(requestsTo(full, '/api/monitors').length).toBe(before + 2);
    expect(await page.inputValue('#refresh')).toBe('10s');
    expect(errors).toEqual([]);
  });

  it('toggles the theme and moves between pages with the keyboard', async () => {
    const { page, errors } = await openPage(browser);
    await page.goto(`${full.url}/#/overview`);
    await page.waitForSelector('#layers');
    const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const light = await bg();
    await page.click('#theme-toggle');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    expect(await bg()).not.toBe(light);
    await page.keyboard.press('3');
    await page.waitForSelector('#trace-table');
    expect(page.url()).toContain('#/traces');
    // Tab reaches the nav links; Enter follows one.
    await page.keyboard.press('2');
    await page.waitForFunction(() => location.hash.startsWith('#/incidents'));
    await page.waitForSelector('#incident-table');
    await page.focus('#nav a[data-page="infrastructure"]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-signal="gpu.temperature"] canvas');
    // The theme is remembered across a reload.
    await page.reload();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    expect(errors).toEqual([]);
  });
});
