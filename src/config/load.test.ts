import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from './config.js';
import { ConfigError, loadConfig } from './load.js';

function yamlFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'strata-cfg-')), 'strata.yaml');
  writeFileSync(file, text);
  return file;
}

describe('loadConfig', () => {
  it('gives the defaults with no sources', () => {
    expect(loadConfig()).toEqual(DEFAULT_CONFIG);
  });

  it('layers file < env < flags', () => {
    const file = yamlFile('api:\n  port: 5000\notlp:\n  http_port: 5318\n  max_body_bytes: 8MiB\nstorage:\n  retention_days: 7\n');
    const c = loadConfig({ file, env: { STRATA_OTLP_HTTP_PORT: '6318', STRATA_RETENTION_DAYS: '3' }, flags: { 'retention-days': '1' } });
    expect(c.api.port).toBe(5000);
    expect(c.otlp.httpPort).toBe(6318);
    expect(c.otlp.maxBodyBytes).toBe(8 * 1024 * 1024);
    expect(c.storage.retentionDays).toBe(1);
  });

  it('passes through sections other components own', () => {
    const file = yamlFile('gateway:\n  port: 4100\nscrape:\n  - url: http://x/metrics\n');
    expect(() => loadConfig({ file })).not.toThrow();
  });

  it('reads the gateway, scrape and nvidia_smi sections, with the gateway port from env or flags', () => {
    const file = yamlFile(
      'gateway:\n  port: 4200\n  routes:\n    - model: "llama-*"\n      upstreams: ["http://gpu-node-1:8000/v1"]\nscrape:\n  - url: http://gpu-node-1:9400/metrics\n    kind: dcgm\n    interval: 10s\nnvidia_smi:\n  interval: 30s\n  binary: /opt/nvidia-smi\n',
    );
    const c = loadConfig({ file });
    expect(c.gateway.port).toBe(4200);
    expect(c.gateway.routes[0]).toMatchObject({ model: 'llama-*', upstreams: ['http://gpu-node-1:8000/v1'], topLogprobs: 5 });
    expect(c.scrape[0]).toMatchObject({ kind: 'dcgm', intervalMs: 10_000, job: 'dcgm' });
    expect(c.nvidiaSmi).toEqual({ intervalMs: 30_000, timeoutMs: undefined, binary: '/opt/nvidia-smi', hostName: undefined });
    expect(loadConfig({ file, env: { STRATA_GATEWAY_PORT: '4300' } }).gateway.port).toBe(4300);
    expect(loadConfig({ file, flags: { 'gateway-port': '0' } }).gateway.port).toBe(0);
    expect(loadConfig({}).nvidiaSmi).toBeNull();
    expect(() => loadConfig({ file: yamlFile('gateway:\n  routes:\n    - model: x\n') })).toThrow('gateway.routes[0].upstreams');
    expect(() => loadConfig({ file: yamlFile('scrape:\n  - url: nowhere\n') })).toThrow('scrape[0].url');
    expect(() => loadConfig({ file: yamlFile('nvidia_smi:\n  every: 1s\n') })).toThrow('nvidia_smi.every');
    expect(() => loadConfig({ flags: { port: '4100' } })).toThrow('gateway.port must differ');
  });

  it('names the field and the problem', () => {
    expect(() => loadConfig({ flags: { port: '70000' } })).toThrow(/api\.port .*port 0-65535.*70000/);
    expect(() => loadConfig({ env: { STRATA_MAX_BODY_BYTES: 'lots' } })).toThrow(/otlp\.max_body_bytes .*16MiB/);
    expect(() => loadConfig({ flags: { fsync: 'sometimes' } })).toThrow(/ingest\.fsync.*always, interval or never/);
    expect(() => loadConfig({ flags: { 'clickhouse-url': 'tcp://x' } })).toThrow(/storage\.clickhouse_url.*http/);
    expect(() => loadConfig({ flags: { redact: '([' } })).toThrow(/capture\.redact.*invalid regular expression/);
    expect(() => loadConfig({ file: yamlFile('storage:\n  dta_dir: x\n') })).toThrow(/unknown setting 'storage\.dta_dir'/);
    expect(() => loadConfig({ file: yamlFile('- a\n- b\n') })).toThrow(/mapping at the top level/);
    expect(() => loadConfig({ flags: { port: '4318' } })).toThrow(/must differ/);
  });

  it('requires ingest and API keys when listening beyond loopback', () => {
    expect(() => loadConfig({ flags: { host: '0.0.0.0' } })).toThrow(ConfigError);
    expect(() => loadConfig({ flags: { host: '0.0.0.0' } })).toThrow(/auth\.ingest_keys/);
    expect(() => loadConfig({ flags: { host: '0.0.0.0', 'ingest-keys': 'a' } })).toThrow(/auth\.api_keys/);
    const c = loadConfig({ flags: { host: '0.0.0.0', 'ingest-keys': 'a,b', 'api-keys': 'c' } });
    expect(c.auth).toEqual({ ingestKeys: ['a', 'b'], apiKeys: ['c'] });
    expect(loadConfig({ flags: { host: '127.0.0.2' } }).host).toBe('127.0.0.2');
  });

  it('reads booleans and lists from the environment', () => {
    const c = loadConfig({ env: { STRATA_CAPTURE_CONTENT: 'off', STRATA_REDACT: 'secret-\\d+' } });
    expect(c.capture).toEqual({ content: false, redact: ['secret-\\d+'] });
  });
});

describe('docs/configuration.md', () => {
  it('its example file loads as documented', () => {
    const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(doc.slice(doc.indexOf('## Example')))![1];
    const c = loadConfig({ file: yamlFile(yaml) });
    expect(c.host).toBe('0.0.0.0');
    expect(c.otlp.maxBodyBytes).toBe(32 * 1024 * 1024);
    expect(c.storage).toMatchObject({ dataDir: '/var/lib/strata', retentionDays: 14 });
    expect(c.auth).toEqual({ ingestKeys: ['k-ingest-1'], apiKeys: ['k-api-1'] });
    expect(c.capture.redact).toEqual(['email', 'card_number', 'ticket-[0-9]{6}']);
    expect(c.gateway.routes.map((r) => r.model)).toEqual(['llama-*', 'gpt-*']);
    expect(c.scrape.map((t) => t.kind)).toEqual(['vllm', 'dcgm']);
  });

  it('every section example in docs/configuration.md loads', () => {
    const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    for (const yaml of blocks) {
      if (/^host: 0\.0\.0\.0/m.test(yaml)) continue; // the full example, checked above
      expect(() => loadConfig({ file: yamlFile(yaml) })).not.toThrow();
    }
  });
});
