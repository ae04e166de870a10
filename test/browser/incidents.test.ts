/**
 * Incidents in headless Chromium, against the contract of src/incidents/types.ts served as stubs:
 * the list (open first, status filter in the URL), the detail's cross-layer timeline (the quality
 * symptom above the infrastructure cause, on one time axis), the ranked causes with evidence, the
 * affected requests linking to their traces, the mitigation; an unknown id; detection not running.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { GPU, INCIDENT_ID, REPLICA, TRACE_ID, entitiesAnswer, incident, metricsAnswer, resolvedIncident, traceDetail } from './fixtures.js';
import { hasChromium, launchBrowser, openPage, requestsTo, startStubServer, type StubServer } from './harness.js';

describe.skipIf(!hasChromium)('Incidents in Chromium', () => {
  let browser: Browser;
  let server: StubServer;
  let none: StubServer;

  beforeAll(async () => {
    [browser, server, none] = await Promise.all([
      launchBrowser(),
      startStubServer({
        '/api/incidents': () => ({ incidents: [resolvedIncident(), incident()] }),
        '/api/incidents/:id': (u) => (u.pathname.endsWith(INCIDENT_ID) ? incident() : { status: 404, body: { error: 'no incident' } }),
        '/api/metrics': (u) => metricsAnswer(u),
        '/api/traces/:id': () => traceDetail(),
        '/api/monitors/results': () => ({ results: [] }),
        '/api/entities': () => entitiesAnswer(),
      }),
      startStubServer({ '/api/entities': () => ({ entities: [], edges: [] }) }),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await none?.close();
  });

  it('lists incidents, open first, and filters by status through the URL', async () => {
    const { page, errors } = await openPage(browser);
    await page.goto(`${server.url}/#/incidents?from=-30d`);
    await page.waitForSelector('#incident-table');
    expect(await page.locator('#incident-table tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-incident')))).toEqual([INCIDENT_ID, 'inc-0']);
    await page.click('a.badge:text-is("resolved")');
    await page.waitForFunction(() => location.hash.includes('status=resolved'));
    await page.waitForFunction(() => document.querySelectorAll('#incident-table tbody tr').length === 1);
    expect(await page.getAttribute('#incident-table tbody tr', 'data-incident')).toBe('inc-0');
    await page.goBack();
    await page.waitForFunction(() => document.querySelectorAll('#incident-table tbody tr').length === 2);
    expect(errors).toEqual([]);
  });

  it('shows the quality symptom and the infrastructure cause on one time axis, with causes and affected requests', async () => {
    const { page, errors } = await openPage(browser);
    await page.goto(`${server.url}/#/incidents`);
    await page.click(`tr[data-incident="${INCIDENT_ID}"] a`);
    await page.waitForSelector('#timeline .timeline-lane canvas');
    const lanes = await page.locator('#timeline .timeline-lane').evaluateAll((els) => els.map((e) => [e.getAttribute('data-layer'), e.getAttribute('data-signal'), e.getAttribute('data-source')]));
    // Confidence (the symptom) above infrastructure (the cause); the clock from stored metrics, the
    // span-derived confidence from the detector's own baseline and observed level.
    expect(lanes).toEqual([
      ['confidence', 'span.confidence', 'anomaly'],
      ['infrastructure', 'gpu.clock.sm', 'metrics'],
    ]);
    expect(await page.locator('#timeline canvas').count()).toBeGreaterThanOrEqual(2);
    const m = requestsTo(server, '/api/metrics').at(-1)!.searchParams;
    expect(m.get('signal')).toBe('gpu.clock.sm');
    expect(m.get('entity')).toBe(GPU);
    // Both charts share one time axis: the same range asked of every lane.
    const inc = incident();
    expect(Number(m.get('start'))).toBeLessThan(inc.startMs);
    expect(Number(m.get('end'))).toBeGreaterThan(inc.updatedMs);
    const causes = await page.locator('#causes .cause').evaluateAll((els) => els.map((e) => e.getAttribute('data-cause')));
    expect(causes).toEqual(['gpu_thermal_slowdown', 'bad_rollout']);
    expect(await page.locator('#causes .cause.top').textContent()).toContain('thermal slowdown -> SM clock -> inter-token latency');
    expect(await page.locator('#mitigation').textContent()).toContain('Drain gpu-node-1:8000');
    await page.click(`#affected a:text-is("${TRACE_ID}")`);
    await page.waitForSelector('#waterfall canvas');
    expect(page.url()).toContain(`#/traces/${TRACE_ID}`);
    await page.goBack();
    await page.waitForSelector('#causes');
    const traceLinks = await page.locator('#affected p a').evaluateAll((els) => els.map((e) => (e as HTMLAnchorElement).hash));
    expect(traceLinks.some((h) => h.includes(`replica=${encodeURIComponent(REPLICA.slice('replica:'.length))}`))).toBe(true);
    expect(errors).toEqual([]);
  });

  it('says when an incident does not exist, and when detection is not running', async () => {
    const { page, errors } = await openPage(browser);
    await page.goto(`${server.url}/#/incidents/nope`);
    await page.waitForSelector('main .empty');
    expect(await page.locator('main .empty h2').textContent()).toBe('No such incident');
    await page.goto(`${none.url}/#/incidents`);
    await page.waitForSelector('main .empty');
    expect(await page.locator('main .empty h2').textContent()).toBe('Incident detection is not running');
    expect(await page.locator('main .empty').textContent()).toContain('strata demo');
    expect(errors).toEqual([]);
  });
});
