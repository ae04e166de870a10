/**
 * The `strata` command line (bin/strata.js over the built dist/): help and version output, usage
 * errors and their exit codes, the refusal to listen beyond loopback without keys, and key checks
 * on OTLP/HTTP, OTLP/gRPC and the query API.
 */
import { Client, credentials, Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, tempDir, type RunningServer } from '../helpers/cli.js';
import { getJson, post } from '../helpers/http.js';
import { encodeProtobuf, nowNanos, randomTraceId, simpleTrace, traceRequest } from '../helpers/otlp.js';
import { pollUntil } from '../helpers/poll.js';

const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((c) => c()));

describe('help, version and usage errors', () => {
  it('strata --help (and no command) prints the usage and exits 0', async () => {
    const variants = [['--help'], ['-h'], ['help'], []];
    const results = await Promise.all(variants.map((args) => runCli(args)));
    for (const [i, r] of results.entries()) {
      expect(r.code, variants[i].join(' ')).toBe(0);
      expect(r.stdout).toContain('Usage: strata <command> [flags]');
      expect(r.stdout).toMatch(/^\s+serve\s/m);
      expect(r.stdout).toMatch(/^\s+version\s/m);
      expect(r.stderr).toBe('');
    }
  });

  it('strata serve --help lists every flag and exits 0 without starting', async () => {
    const r = await runCli(['serve', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: strata serve [flags]');
    for (const flag of ['--config', '--data-dir', '--port', '--otlp-http-port', '--otlp-grpc-port', '--host', '--max-body-bytes', '--ingest-keys', '--api-keys', '--retention-days', '--fsync', '--help'])
      expect(r.stdout).toContain(flag);
    expect(r.stdout).toContain('STRATA_INGEST_KEYS');
    expect(r.stdout).not.toContain('strata: API');
    expect(r.stderr).toBe('');
  });

  it('strata version --help prints its usage; version prints the version', async () => {
    const [help, v, v2] = await Promise.all([runCli(['version', '--help']), runCli(['version']), runCli(['--version'])]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: strata version');
    expect(v.code).toBe(0);
    expect(v.stdout).toBe('0.1.0\n');
    expect(v2.code).toBe(0);
    expect(v2.stdout).toBe('0.1.0\n');
  });

  it('an unknown flag exits 2 with a message naming it', async () => {
    const r = await runCli(['serve', '--no-such-flag']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown flag --no-such-flag');
    expect(r.stdout).toBe('');
  });

  it('other usage errors exit 2 with a message', async () => {
    const [unknownCommand, missingValue, badPort] = await Promise.all([
      runCli(['frobnicate']),
      runCli(['serve', '--port']),
      runCli(['serve', '--port', '70000']),
    ]);
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toContain('unknown command "frobnicate"');
    expect(missingValue.code).toBe(2);
    expect(missingValue.stderr).toContain('--port needs a value');
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toMatch(/api\.port.*70000/);
  });

  it('serve --host 0.0.0.0 without keys exits 2 naming auth.ingest_keys, before touching the data dir', async () => {
    const { dir, cleanup } = tempDir('strata-e2e-cli-');
    cleanups.push(cleanup);
    const dataDir = join(dir, 'never-created');
    const r = await runCli(['serve', '--host', '0.0.0.0', '--data-dir', dataDir, '--port', '0', '--otlp-http-port', '0', '--otlp-grpc-port', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('auth.ingest_keys');
    expect(r.stderr).toContain('0.0.0.0');
    expect(existsSync(dataDir)).toBe(false);
    // With ingest keys but no API keys, the API keys are named.
    const r2 = await runCli(['serve', '--host', '0.0.0.0', '--ingest-keys', 'k1', '--data-dir', dataDir, '--port', '0', '--otlp-http-port', '0', '--otlp-grpc-port', '0']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('auth.api_keys');
    expect(existsSync(dataDir)).toBe(false);
  });
});

// ------------------------------------------------------------------ keys

const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

function grpcExport(client: Client, body: Buffer, authorization?: string): Promise<{ error: ServiceError | null; response?: Buffer }> {
  const md = new Metadata();
  if (authorization) md.set('authorization', authorization);
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      EXPORT_PATH,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      md,
      { deadline: Date.now() + 10_000 },
      (error, response) => resolve({ error: error ?? null, response }),
    );
  });
}

describe('serve --ingest-keys k1 --api-keys k2', () => {
  let server: RunningServer;
  let grpc: Client;
  const service = `cli-auth-e2e-${Date.now()}`;
  const JSON_CT = { 'Content-Type': 'application/json' };

  beforeAll(async () => {
    const { dir, cleanup } = tempDir('strata-e2e-cli-auth-');
    cleanups.push(cleanup);
    server = await startCli(dir, ['--ingest-keys', 'k1', '--api-keys', 'k2', '--host', '127.0.0.1']);
    grpc = new Client(server.otlpGrpcAddress, credentials.createInsecure());
  });

  afterAll(async () => {
    grpc?.close();
    if (server) {
      const r = await server.stop();
      expect(r.code).toBe(0);
      expect(server.stdout()).toContain('strata: stopping');
    }
  });

  const body = (traceId: string): string => JSON.stringify(traceRequest(service, simpleTrace(traceId, 2, nowNanos())));

  it('OTLP/HTTP: 401 without the ingest key or with the API key, 200 with Bearer k1 or x-api-key k1', async () => {
    const url = `${server.otlpHttpUrl}/v1/traces`;
    const refused = randomTraceId();
    for (const headers of [{}, { Authorization: 'Bearer k2' }, { Authorization: 'Bearer k1x' }, { Authorization: 'k1' }, { 'x-api-key': 'k2' }] as Record<string, string>[]) {
      const r = await post(url, body(refused), { headers: { ...JSON_CT, ...headers } });
      expect(r.status, JSON.stringify(headers)).toBe(401);
      expect(r.headers['www-authenticate']).toBe('Bearer');
      const st = JSON.parse(r.body.toString()) as { code: number; message: string };
      expect(st.code).toBe(16); // UNAUTHENTICATED
      expect(st.message).toMatch(/key/);
    }
    const okBearer = randomTraceId();
    const r1 = await post(url, body(okBearer), { headers: { ...JSON_CT, Authorization: 'Bearer k1' } });
    expect(r1.status).toBe(200);
    expect(JSON.parse(r1.body.toString())).toEqual({});
    const okHeader = randomTraceId();
    const r2 = await post(url, body(okHeader), { headers: { ...JSON_CT, 'x-api-key': 'k1' } });
    expect(r2.status).toBe(200);

    // What was accepted is stored; what was refused is not.
    const auth = { Authorization: 'Bearer k2' };
    await pollUntil(async () => (await getJson(`${server.apiUrl}/api/traces/${okHeader}`, auth)).status === 200, { what: 'accepted trace' });
    const t = await getJson<{ spans: unknown[] }>(`${server.apiUrl}/api/traces/${okBearer}`, auth);
    expect(t.status).toBe(200);
    expect(t.body.spans).toHaveLength(2);
    expect((await getJson(`${server.apiUrl}/api/traces/${refused}`, auth)).status).toBe(404);
  });

  it('OTLP/gRPC: UNAUTHENTICATED without the ingest key, OK with Bearer k1', async () => {
    const refused = randomTraceId();
    const refusedBody = encodeProtobuf('traces', traceRequest(service, simpleTrace(refused, 2, nowNanos())));
    const none = await grpcExport(grpc, refusedBody);
    expect(none.error?.code).toBe(GrpcStatus.UNAUTHENTICATED);
    expect(none.error?.details).toMatch(/key/);
    const wrong = await grpcExport(grpc, refusedBody, 'Bearer k2');
    expect(wrong.error?.code).toBe(GrpcStatus.UNAUTHENTICATED);

    const accepted = randomTraceId();
    const ok = await grpcExport(grpc, encodeProtobuf('traces', traceRequest(service, simpleTrace(accepted, 3, nowNanos()))), 'Bearer k1');
    expect(ok.error).toBeNull();
    expect(ok.response?.length).toBe(0); // ExportTraceServiceResponse without partial_success

    const auth = { 'x-api-key': 'k2' };
    const t = await pollUntil(
      async () => {
        const r = await getJson<{ spans: unknown[] }>(`${server.apiUrl}/api/traces/${accepted}`, auth);
        return r.status === 200 ? r.body : undefined;
      },
      { what: 'trace sent over gRPC' },
    );
    expect(t.spans).toHaveLength(3);
    expect((await getJson(`${server.apiUrl}/api/traces/${refused}`, auth)).status).toBe(404);
  });

  it('query API: 401 without the API key or with the ingest key, 200 with Bearer k2; /api/health is open (liveness only)', async () => {
    for (const path of ['/api/traces', '/api/traces/0123456789abcdef0123456789abcdef', '/api/metrics?name=x']) {
      for (const headers of [{}, { Authorization: 'Bearer k1' }, { 'x-api-key': 'k1' }, { Authorization: 'Bearer ' }] as Record<string, string>[]) {
        const r = await getJson<{ error: string }>(`${server.apiUrl}${path}`, headers);
        expect(r.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(r.body.error).toMatch(/key/);
      }
    }
    const list = await getJson<{ traces: { traceId: string }[] }>(`${server.apiUrl}/api/traces?service=${service}`, { Authorization: 'Bearer k2' });
    expect(list.status).toBe(200);
    expect(list.body.traces.length).toBeGreaterThanOrEqual(1);
    const viaHeader = await getJson(`${server.apiUrl}/api/traces?service=${service}`, { 'x-api-key': 'k2' });
    expect(viaHeader.status).toBe(200);

    // Open without a key, but then only liveness: the details (queue, last store error) need the key.
    const health = await getJson<{ status: string; version: string; store: string }>(`${server.apiUrl}/api/health`);
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
    const detailed = await getJson<{ status: string; version: string; store: string }>(`${server.apiUrl}/api/health`, { Authorization: 'Bearer k2' });
    expect(detailed.body).toMatchObject({ status: 'ok', version: '0.1.0', store: 'chdb' });
  });
});
