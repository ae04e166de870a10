import { describe, expect, it } from 'vitest';
import { parseGatewayConfig } from './config.js';
import { globMatcher } from '../../glob.js';
import { RouteTable, UpstreamPool } from './routes.js';

describe('routes', () => {
  it('matches model globs exactly', () => {
    const m = globMatcher('llama-*-?b');
    expect(m('llama-3.1-8b')).toBe(true);
    expect(m('llama-3.1-70b')).toBe(false);
    expect(m('xllama-3-8b')).toBe(false);
    expect(globMatcher('gpt-4o')('gpt-4o-mini')).toBe(false);
  });

  it('round-robins, and least-outstanding picks the idlest upstream', () => {
    const rr = new UpstreamPool(['http://a/v1', 'http://b/v1', 'http://c/v1'], 'round_robin');
    expect([0, 1, 2, 3].map(() => rr.order()[0].base)).toEqual(['http://a/v1', 'http://b/v1', 'http://c/v1', 'http://a/v1']);
    const lo = new UpstreamPool(['http://a/v1', 'http://b/v1'], 'least_outstanding');
    lo.upstreams[0].outstanding = 3;
    expect(lo.order().map((u) => u.base)).toEqual(['http://b/v1', 'http://a/v1']);
    expect(lo.order()[0].base).toBe('http://b/v1');
  });

  it('picks the first matching route in configuration order', () => {
    const cfg = parseGatewayConfig({ routes: [{ model: 'gpt-*', upstreams: ['https://api.openai.com/v1'] }, { model: '*', upstreams: ['http://vllm:8000/v1/'] }] });
    const table = new RouteTable(cfg.routes);
    expect(table.pick('gpt-4o')?.config.upstreams).toEqual(['https://api.openai.com/v1']);
    expect(table.pick('qwen')?.config.upstreams).toEqual(['http://vllm:8000/v1']);
  });
});

describe('parseGatewayConfig', () => {
  it('applies defaults and names the field in errors', () => {
    const cfg = parseGatewayConfig({ port: 4200, routes: [{ model: 'x', upstreams: ['http://h:1/v1'], logprobs: { top: 3 }, timeout: '2s' }] });
    expect(cfg.port).toBe(4200);
    expect(cfg.routes[0]).toMatchObject({ topLogprobs: 3, timeoutMs: 2000, balance: 'round_robin', capture: true, apiKeyEnv: null });
    expect(parseGatewayConfig({ routes: [{ model: 'x', upstreams: ['http://h/v1'], logprobs: false }] }).routes[0].topLogprobs).toBeNull();
    expect(() => parseGatewayConfig({ routes: [{ model: 'x', upstreams: [] }] })).toThrow('gateway.routes[0].upstreams');
    expect(() => parseGatewayConfig({ routes: [{ model: 'x', upstreams: ['ftp://h'] }] })).toThrow('gateway.routes[0].upstreams[0]');
    expect(() => parseGatewayConfig({ routes: [{ model: 'x', upstreams: ['http://h'], balance: 'random' }] })).toThrow('gateway.routes[0].balance');
    expect(() => parseGatewayConfig({ routes: [{ model: 'x', upstreams: ['http://h'], logprobs: { top: 99 } }] })).toThrow('gateway.routes[0].logprobs.top');
    expect(() => parseGatewayConfig({ prot: 1 })).toThrow('gateway.prot');
    // Logprobs default on for self-hosted engines, off for hosted APIs unless asked for.
    expect(parseGatewayConfig({ routes: [{ model: 'x', upstreams: ['https://api.openai.com/v1'] }] }).routes[0].topLogprobs).toBeNull();
    expect(parseGatewayConfig({ routes: [{ model: 'x', upstreams: ['https://api.openai.com/v1'], logprobs: { top: 2 } }] }).routes[0].topLogprobs).toBe(2);
    expect(parseGatewayConfig({ routes: [{ model: 'x', upstreams: ['http://vllm:8000/v1'] }] }).routes[0].topLogprobs).toBe(5);
    expect(parseGatewayConfig(false).port).toBeNull();
  });

  it('takes an upstream as {url, replica}, naming the replica entity behind it', () => {
    const cfg = parseGatewayConfig({ routes: [{ model: 'x', upstreams: [{ url: 'http://127.0.0.1:41234/v1/', replica: 'gpu-node-1:8001' }, 'http://h:2/v1'] }] });
    expect(cfg.routes[0].upstreams).toEqual(['http://127.0.0.1:41234/v1', 'http://h:2/v1']);
    expect(cfg.routes[0].replicas).toEqual(['gpu-node-1:8001', null]);
    const pool = new RouteTable(cfg.routes).pick('x')!.pool;
    expect(pool.upstreams.map((u) => u.replica)).toEqual(['gpu-node-1:8001', null]);
    expect(() => parseGatewayConfig({ routes: [{ model: 'x', upstreams: [{ url: 'ftp://h' }] }] })).toThrow('gateway.routes[0].upstreams[0].url');
    expect(() => parseGatewayConfig({ routes: [{ model: 'x', upstreams: [{ url: 'http://h', replica: '' }] }] })).toThrow('gateway.routes[0].upstreams[0].replica');
    expect(() => parseGatewayConfig({ routes: [{ model: 'x', upstreams: [{ url: 'http://h', name: 'a' }] }] })).toThrow('gateway.routes[0].upstreams[0].name');
  });
});
