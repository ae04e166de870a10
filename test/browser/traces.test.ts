/**
 * Traces in headless Chromium: the search sends its filters to /api/traces and pages with the
 * cursor; a trace shows its waterfall on canvas, the chat with reasoning collapsed (opened on
 * monitor evidence), and the output coloured token by token from the packed `strata.logprobs`,
 * with the top alternatives on hover; a 10,000-span trace renders and scrolls without error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { BIG_TRACE_ID, CHAT_SPAN, bigTrace, entitiesAnswer, monitorResultsFor, traceDetail, traceSummary, TRACE_ID } from './fixtures.js';
import { hasChromium, launchBrowser, openPage, requestsTo, startStubServer, type StubServer } from './harness.js';

describe.skipIf(!hasChromium)('Traces in Chromium', () => {
  let browser: Browser;
  let server: StubServer;
  const big = bigTrace(10_000);

  beforeAll(async () => {
    [browser, server] = await Promise.all([
      launchBrowser(),
      startStubServer({
        '/api/traces': (u) => (u.searchParams.get('cursor') ? { traces: [traceSummary(3)], next: null } : { traces: [traceSummary(0), traceSummary(1), traceSummary(2)], next: 'CURSOR2' }),
        '/api/traces/:id': (u) => (u.pathname.endsWith(BIG_TRACE_ID) ? big : u.pathname.endsWith(TRACE_ID) ? traceDetail() : { status: 404, body: { error: 'no trace' } }),
        '/api/monitors/results': () => monitorResultsFor(),
        '/api/entities': () => entitiesAnswer(),
      }),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('sends the filters to the API, keeps them in the URL and pages with the cursor', async () => {
    const { page, errors } = await openPage(browser);
    await page.goto(`${server.url}/#/traces`);
    await page.waitForSelector('#trace-table tbody tr');
    expect(await page.locator('#trace-table tbody tr').count()).toBe(3);
    await page.fill('input[name="service"]', 'support-bot');
    await page.fill('input[name="replica"]', 'gpu-node-1:8000');
    await page.selectOption('select[name="status"]', 'error');
    await page.fill('input[name="min_duration"]', '500ms');
    await page.fill('input[name="min_confidence"]', '0.2');
    await page.fill('input[name="max_confidence"]', '0.7');
    await page.fill('input[name="monitor"]', 'reward_hacking');
    await page.fill('input[name="attribute"]', 'gen_ai.request.model=qwen');
    await page.press('input[name="attribute"]', 'Enter');
    await page.waitForFunction(() => location.hash.includes('attr.gen_ai.request.model=qwen'));
    await page.waitForFunction(() => !document.querySelector('.topbar.busy'));
    const q = requestsTo(server, '/api/traces').at(-1)!.searchParams;
    expect(Object.fromEntries(q)).toMatchObject({
      service: 'support-bot', status: 'error', min_duration: '500ms', min_confidence: '0.2', max_confidence: '0.7', monitor: 'reward_hacking',
      'attr.gen_ai.request.model': 'qwen', entity: 'replica:gpu-node-1:8000', start: '-1h', limit: '50',
    });
    await page.click('#next-page');
    await page.waitForFunction(() => location.hash.includes('cursor=CURSOR2'));
    await page.waitForSelector('#first-page');
    expect(await page.locator('#trace-table tbody tr').count()).toBe(1);
    expect(requestsTo(server, '/api/traces').at(-1)!.searchParams.get('cursor')).toBe('CURSOR2');
    expect(requestsTo(server, '/api/traces').at(-1)!.searchParams.get('service')).toBe('support-bot');
    await page.goBack();
    await page.waitForFunction(() => !location.hash.includes('cursor='));
    await page.waitForFunction(() => document.querySelectorAll('#trace-table tbody tr').length === 3);
    expect(errors).toEqual([]);
  });

  it('moves through the results with the keyboard and opens a trace', async () => {
    const { page, errors } = await openPage(browser);
    await page.goto(`${server.url}/#/traces`);
    await page.waitForSelector('#trace-table a.trace-link');
    await page.focus('#trace-table a.trace-link');
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(() => document.activeElement?.closest('tr')?.getAttribute('data-trace-id'))).toBe(traceSummary(1).traceId);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#waterfall canvas');
    expect(page.url()).toContain(`#/traces/${TRACE_ID}`);
    expect(errors).toEqual([]);
  });

  it('shows the chat and the output coloured by token probability, with alternatives on hover', async () => {
    const { page, errors } = await openPage(browser);
    await page.goto(`${server.url}/#/traces/${TRACE_ID}`);
    await page.waitForSelector('.tokens .tok');
    // The span with logprobs opens first, and the URL can name it.
    expect(await page.getAttribute('#span-detail [data-span]', 'data-span')).toBe(CHAT_SPAN);
    const roles = await page.locator('.chat .msg').evaluateAll((els) => els.map((e) => e.getAttribute('data-role')));
    expect(roles).toEqual(['system', 'user', 'assistant']);
    // Reasoning is collapsed unless a monitor's evidence is in it: here it is, opened and marked.
    expect(await page.locator('details[data-part="reasoning"]').getAttribute('open')).toBe('');
    expect(await page.locator('mark.evidence').first().textContent()).toBe('grader only checks the format');
    expect(await page.locator('[data-part="tool_call"]').textContent()).toContain('lookup');
    const toks = page.locator('.tokens .tok');
    expect(await toks.allTextContents()).toEqual(['The', ' answer', ' is', ' 42', '.']);
    const p = await toks.evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.p)));
    expect(p[3]).toBeCloseTo(Math.exp(-2.3), 4);
    // Colours follow probability: the improbable ' 42' is redder (lower hue) than the certain '.'.
    const bg = await toks.evaluateAll((els) => els.map((e) => getComputedStyle(e).backgroundColor));
    expect(new Set(bg).size).toBeGreaterThan(1);
    // The least confident tokens are marked: ' 42' (p 0.10) and ' answer' (p 0.82), not the others.
    expect(await page.locator('.tokens .tok.lc').allTextContents()).toEqual([' answer', ' 42']);
    await toks.nth(3).hover();
    const tip = page.locator('#tooltip');
    await tip.waitFor({ state: 'visible' });
    const text = await tip.textContent();
    expect(text).toContain('" 42"');
    expect(text).toContain('10.03%');
    expect(await tip.locator('tr').allTextContents()).toEqual(['" 41"67.03%', '" 42"10.03%']);
    // Keyboard: the token strip is focusable and arrows move through the tokens with the tooltip.
    await page.focus('.tokens');
    await page.keyboard.press('ArrowRight');
    expect(await tip.textContent()).toContain('"The"');
    expect(errors).toEqual([]);
  });

  it('selects spans in the waterfall by click and keyboard, and the URL restores the selection', async () => {
    const { page, errors } = await openPage(browser);
    await page.goto(`${server.url}/#/traces/${TRACE_ID}`);
    await page.waitForSelector('#waterfall .scroller');
    const box = (await page.locator('#waterfall .scroller').boundingBox())!;
    await page.mouse.click(box.x + 50, box.y + 22 * 2 + 10);
    await page.waitForFunction(() => location.hash.includes('span=3333333333333333'));
    expect(await page.getAttribute('#span-detail [data-span]', 'data-span')).toBe('3333333333333333');
    await page.focus('#waterfall .scroller');
    await page.keyboard.press('Home');
    expect(await page.getAttribute('#span-detail [data-span]', 'data-span')).toBe('1111111111111111');
    await page.keyboard.press('ArrowDown');
    await page.waitForFunction((id) => location.hash.includes(`span=${id}`), CHAT_SPAN);
    await page.reload();
    await page.waitForSelector('#span-detail [data-span]');
    expect(await page.getAttribute('#span-detail [data-span]', 'data-span')).toBe(CHAT_SPAN);
    expect(errors).toEqual([]);
  });

  it('renders a 10,000-span trace on one canvas and scrolls it without error', async () => {
    const { page, errors } = await openPage(browser);
    await page.goto(`${server.url}/#/traces/${BIG_TRACE_ID}`);
    await page.waitForSelector('#waterfall .scroller[data-rows="10000"]');
    // Virtualised: one canvas, no element per span.
    expect(await page.locator('#waterfall canvas').count()).toBe(1);
    expect(await page.locator('#waterfall *').count()).toBeLessThan(10);
    const sizer = await page.locator('#waterfall .sizer').evaluate((e) => (e as HTMLElement).style.height);
    expect(sizer).toBe(`${10_000 * 22}px`);
    const scroller = page.locator('#waterfall .scroller');
    for (const top of [50_000, 120_000, 219_000, 0]) {
      await scroller.evaluate((e, t) => ((e as HTMLElement).scrollTop = t), top);
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    }
    await page.mouse.move(10, 10);
    await scroller.hover();
    await page.mouse.wheel(0, 20_000);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    // Something was drawn: the canvas has non-transparent pixels.
    const painted = await page.locator('#waterfall canvas').evaluate((c) => {
      const cv = c as HTMLCanvasElement;
      const d = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return n;
    });
    expect(painted).toBeGreaterThan(1000);
    // The keyboard reaches the last span.
    await page.focus('#waterfall .scroller');
    await page.keyboard.press('End');
    const selected = await page.getAttribute('#waterfall .scroller', 'data-selected');
    expect(selected).not.toBe(big.spans[0].spanId);
    expect(await page.getAttribute('#span-detail [data-span]', 'data-span')).toBe(selected);
    expect(await scroller.evaluate((e) => e.scrollTop)).toBeGreaterThan(200_000);
    expect(errors).toEqual([]);
  });

  it('says so when the trace does not exist', async () => {
    const { page, errors } = await openPage(browser);
    await page.goto(`${server.url}/#/traces/ffffffffffffffffffffffffffffffff`);
    await page.waitForSelector('main .empty');
    expect(await page.locator('main .empty h2').textContent()).toBe('No such trace');
    expect(errors).toEqual([]);
  });
});
