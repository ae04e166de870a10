import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type StrataConfig } from '../config/config.js';
import { getConfigView, REDACTED, redactConfig } from './ui-config.js';

describe('GET /api/config view', () => {
  it('redacts keys, tokens, passwords and authorization headers at any depth, and keeps the rest', () => {
    const out = redactConfig({
      auth: { apiKeys: ['k1', 'k2'], ingestKeys: [] },
      gateway: { routes: [{ model: 'gpt-*', upstreams: [{ url: 'https://x/v1', api_key: 'sk-1', headers: { Authorization: 'Bearer sk-2', 'X-Trace': 'on' } }] }] },
      clickhouse: { password: 'pw', url: 'http://ch:8123' },
      judge: { authToken: 't', maxTokens: 512, costTokens: 3 },
      pattern: /a+b/,
      big: 10n,
      fn: () => 1,
    }) as any;
    expect(out.auth).toEqual({ apiKeys: [REDACTED, REDACTED], ingestKeys: [] });
    expect(out.gateway.routes[0].upstreams[0]).toEqual({ url: 'https://x/v1', api_key: REDACTED, headers: { Authorization: REDACTED, 'X-Trace': 'on' } });
    expect(out.clickhouse).toEqual({ password: REDACTED, url: 'http://ch:8123' });
    expect(out.judge).toEqual({ authToken: REDACTED, maxTokens: 512, costTokens: 3 });
    expect(out.pattern).toBe('a+b');
    expect(out.big).toBe('10');
    expect('fn' in out).toBe(false);
  });

  it('answers the configuration with the bound ports and no key in the text', async () => {
    const config: StrataConfig = { ...DEFAULT_CONFIG, auth: { apiKeys: ['secret-api-key'], ingestKeys: ['secret-ingest-key'] } };
    const handler = getConfigView(config, () => ({ api: 4000, otlpHttp: 4318, otlpGrpc: 4317, gateway: null }));
    const res = await handler({ method: 'GET', path: '/api/config', query: new URLSearchParams(), params: {}, signal: new AbortController().signal, authorized: true });
    expect(res.status).toBe(200);
    const text = JSON.stringify(res.body);
    expect(text).not.toContain('secret-');
    expect((res.body as any).ports).toEqual({ api: 4000, otlpHttp: 4318, otlpGrpc: 4317, gateway: null });
    expect((res.body as any).storage.database).toBe(DEFAULT_CONFIG.storage.database);
  });
});
