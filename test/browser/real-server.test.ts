/**
 * The UI on a real, in-process Strata (chDB): a GenAI span with packed token logprobs goes in over
 * OTLP/HTTP JSON; the UI, mounted in front of the real API the way src/api/server.ts mounts it
 * (`if (serveUi(req, res)) return;` before the router), lists the trace, opens it, and colours the
 * output tokens with the probabilities that were sent. The overview and calibration pages load
 * against the real endpoints without console errors.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { loadConfig } from '../../src/config/load.js';
import { Strata, type StrataPorts } from '../../src/strata.js';
import { serveUi } from '../../src/web/serve.js';
import { tempDir } from '../helpers/cli.js';
import { getOk, post } from '../helpers/http.js';
import { nowNanos, randomSpanId, randomTraceId } from '../helpers/otlp.js';
import { pollUntil } from '../helpers/poll.js';
import { LOGPROBS, packedLogprobs, TOKENS } from './fixtures.js';
import { hasChromium, launchBrowser, openPage } from './harness.js';

describe.skipIf(!hasChromium)('UI on a real Strata', () => {
  let strata: Strata;
  let ports: StrataPorts;
  let front: Server;
  let ui: string;
  let browser: Browser;
  let cleanup: () => void;
  const traceId = randomTraceId();
  const spanId = randomSpanId();

  beforeAll(async () => {
    const tmp = tempDir('strata-ui-');
    cleanup = tmp.cleanup;
    const config = loadConfig({ env: {}, flags: { 'data-dir': join(tmp.dir, 'data'), port: '0', 'otlp-http-port': '0', 'otlp-grpc-port': '0', 'gateway-port': '0', 'retention-days': '0' } });
    strata = new Strata(config, () => {});
    [ports, browser] = await Promise.all([strata.start(), launchBrowser()]);
    // The UI first, then the API: what the one-line mount in src/api/server.ts does.
    front = createServer((req, res) => {
      if (serveUi(req, res)) return;
      const upstream = request({ host: '127.0.0.1', port: ports.api, path: req.url, method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    ui = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;

    const end = nowNanos();
    const body = {
      resourceSpans: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'ui-test-app' } }] },
        scopeSpans: [{
          spans: [{
            traceId, spanId, name: 'chat sim-7b', kind: 3,
            startTimeUnixNano: (end - 900_000_000n).toString(), endTimeUnixNano: end.toString(),
            attributes: [
              { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
              { key: 'gen_ai.request.model', value: { stringValue: 'sim-7b' } },
              { key: 'server.address', value: { stringValue: 'gpu-node-1' } },
              { key: 'server.port', value: { intValue: '8000' } },
              { key: 'gen_ai.input.messages', value: { stringValue: JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'What is the answer?' }] }]) } },
              { key: 'gen_ai.output.messages', value: { stringValue: JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: TOKENS.join('') }], finish_reason: 'stop' }]) } },
              { key: 'strata.logprobs', value: { stringValue: packedLogprobs() } },
            ],
          }],
        }],
      }],
    };
    const res = await post(`http://127.0.0.1:${ports.otlpHttp}/v1/traces`, JSON.stringify(body), { headers: { 'Content-Type': 'application/json' } });
    expect(res.status).toBe(200);
    await pollUntil(async () => (await getOk(`http://127.0.0.1:${ports.api}/api/traces?service=ui-test-app`)).traces.length === 1, { timeoutMs: 20_000 });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((r) => (front ? front.close(() => r()) : r()));
    await strata?.stop();
    cleanup?.();
  });

  it('lists the trace, opens it, and colours the output tokens by the probabilities sent', async () => {
    const { page, errors } = await openPage(browser);
    await page.goto(`${ui}/#/traces?service=ui-test-app`);
    await page.waitForSelector(`tr[data-trace-id="${traceId}"]`);
    expect(await page.locator('#trace-table tbody tr').count()).toBe(1);
    await page.click(`tr[data-trace-id="${traceId}"] a.trace-link`);
    await page.waitForSelector('.tokens .tok');
    expect(await page.locator('.tokens .tok').allTextContents()).toEqual(TOKENS);
    const p = await page.locator('.tokens .tok').evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.p)));
    LOGPROBS.forEach((lp, i) => expect(p[i]).toBeCloseTo(Math.exp(lp), 4));
    expect(await page.locator('#span-detail').textContent()).toContain('gpu-node-1:8000');
    const confidence = await page.locator('#confidence').textContent();
    expect(confidence).toContain('min logprob-2.3');
    expect(confidence).toContain('least confident token3');
    expect(errors).toEqual([]);
  });

  it('loads the overview, calibration, behaviour and infrastructure pages on the real endpoints', async () => {
    const { page, errors } = await openPage(browser);
    for (const p of ['overview', 'calibration', 'behaviour', 'infrastructure']) {
      await page.goto(`${ui}/#/${p}`);
      await page.waitForFunction(() => !document.querySelector('.topbar.busy') && document.querySelector('main h1') !== null);
      expect(await page.locator('main [role="alert"]').count(), p).toBe(0);
    }
    expect(errors).toEqual([]);
  });
});
