import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gunzip, inflate } from 'node:zlib';
import { promisify } from 'node:util';
import { closeServer, listen } from '../../net.js';
import { createKeyCheck, keyFromHeaders } from '../../auth/keys.js';
import type { Ingest } from '../../pipeline/ingest.js';
import { createRemoteWriteHandler, REMOTE_WRITE_PATH, type RemoteWriteHandler } from '../prometheus/remote-write.js';
import { exportResponse, statusBody, type Encoding } from './respond.js';
import { exportRequest, SIGNALS, type OtlpReceiverOptions, type Signal } from './signals.js';
import { OtlpDecodeError } from './types.js';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

export type OtlpHttpOptions = OtlpReceiverOptions;

/** An HTTP error answer: status, message, and headers such as Retry-After. */
class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

/** How much of a refused body is read and discarded, as a multiple of the limit, before the connection is cut. */
const DRAIN_LIMIT_FACTOR = 8;

const PATHS: Record<string, Signal<unknown>> = {
  '/v1/traces': SIGNALS.traces as Signal<unknown>,
  '/v1/metrics': SIGNALS.metrics as Signal<unknown>,
  '/v1/logs': SIGNALS.logs as Signal<unknown>,
};

/**
 * The OTLP/HTTP receiver: POST /v1/traces, /v1/metrics, /v1/logs with protobuf or JSON bodies,
 * optionally gzip- or deflate-compressed. Answers as the OTLP specification says: 200 with an
 * Export*ServiceResponse (partial_success when items were refused), 400 for undecodable data,
 * 413 past the size limit, 415 for an unknown content type or encoding, 503 + Retry-After when
 * the pipeline is full. Errors carry a google.rpc.Status in the request's encoding.
 * Also Prometheus remote write 1.0 at POST /api/v1/write (same keys and body limit; see
 * `receivers/prometheus/remote-write.ts`), answered 204, or an error with a JSON Status.
 */
export class OtlpHttpReceiver {
  private server: Server | null = null;
  private readonly checkKey: (key: string | undefined) => boolean;
  private readonly remoteWrite: RemoteWriteHandler;

  constructor(private readonly options: OtlpHttpOptions, private readonly ingest: Ingest) {
    this.checkKey = createKeyCheck(options.ingestKeys);
    this.remoteWrite = createRemoteWriteHandler({ ingest, maxBodyBytes: options.maxBodyBytes, retentionDays: options.retentionDays });
  }

  /** Starts listening; resolves with the bound port. */
  async start(): Promise<number> {
    const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 60_000 }, (req, res) => {
      this.handle(req, res).catch((err) => {
        this.options.log?.(`otlp http: unexpected error: ${(err as Error).stack ?? err}`);
        if (!res.headersSent) send(res, 500, 'json', statusBody(13, 'internal error', 'json'));
        else res.destroy();
      });
    });
    server.on('clientError', (_err, socket) => socket.destroy());
    this.server = server;
    return listen(server, this.options.port, this.options.host);
  }

  /** Stops accepting and closes idle connections. Idempotent. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    await closeServer(server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const signal = PATHS[path];
    const encoding = contentEncodingOf(req.headers['content-type']);
    const answerAs: Encoding = path === REMOTE_WRITE_PATH ? 'json' : encoding ?? 'json';
    try {
      if (!signal && path !== REMOTE_WRITE_PATH)
        throw new HttpError(404, `no OTLP endpoint at ${path}; use /v1/traces, /v1/metrics, /v1/logs or ${REMOTE_WRITE_PATH} (Prometheus remote write)`);
      if (req.method !== 'POST') throw new HttpError(405, `${req.method} not allowed; OTLP export is POST`, { Allow: 'POST' });
      if (!this.checkKey(keyFromHeaders(header(req, 'authorization'), header(req, 'x-api-key'))))
        throw new HttpError(401, 'missing or unknown ingest key (Authorization: Bearer <key>)', { 'WWW-Authenticate': 'Bearer' });
      if (!signal) {
        const body = await this.readRaw(req);
        const rw = this.remoteWrite({ contentType: header(req, 'content-type'), contentEncoding: header(req, 'content-encoding'), body });
        if (rw.status >= 300) throw new HttpError(rw.status, rw.message, { ...rw.headers });
        res.writeHead(rw.status, { ...rw.headers });
        res.end();
        return;
      }
      if (!encoding)
        throw new HttpError(415, `unsupported content type ${JSON.stringify(req.headers['content-type'] ?? '')}; use application/x-protobuf or application/json`);
      const body = await this.readBody(req);
      let decoded: unknown;
      try {
        decoded = encoding === 'protobuf' ? signal.decodeProtobuf(body) : signal.decodeJson(body.toString('utf8'));
      } catch (err) {
        if (err instanceof OtlpDecodeError) throw new HttpError(400, `invalid OTLP ${encoding}: ${err.message}`);
        throw err;
      }
      const result = exportRequest(signal, this.ingest, decoded, this.options.retentionDays ?? 0);
      if (result.kind === 'too_large') throw new HttpError(413, result.message);
      if (result.kind === 'busy')
        throw new HttpError(503, 'ingest queue is full; retry later', { 'Retry-After': String(result.retryAfterSeconds) });
      send(res, 200, answerAs, exportResponse(signal.name, result.rejected, result.message, answerAs));
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      // A refused body may be partly unread. Clients send it all before reading the answer, and a
      // connection closed under them shows as a broken pipe, which OTLP exporters retry. So the rest
      // is read and discarded first, then answered; only a body past DRAIN_LIMIT_FACTOR times the
      // limit (declared, or found while draining) is answered at once and cut off.
      // An unauthenticated client gets no reading of its body at all.
      const whole = req.complete || (err.status !== 401 && (await this.drain(req)));
      if (!whole) res.setHeader('Connection', 'close');
      send(res, err.status, answerAs, statusBody(grpcCodeFor(err.status), err.message, answerAs), err.headers);
    }
  }

  /** Reads and discards the rest of a body; false when it passed the cap and was abandoned. */
  private drain(req: IncomingMessage): Promise<boolean> {
    const cap = this.options.maxBodyBytes * DRAIN_LIMIT_FACTOR;
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > cap) return Promise.resolve(false);
    return new Promise((resolve) => {
      let seen = 0;
      const onData = (chunk: Buffer) => {
        seen += chunk.length;
        if (seen > cap) finish(false);
      };
      const finish = (whole: boolean) => {
        req.off('data', onData);
        req.off('end', onEnd);
        req.off('close', onClose);
        if (!whole) req.pause();
        resolve(whole);
      };
      const onEnd = () => finish(true);
      const onClose = () => finish(req.complete);
      req.on('data', onData);
      req.once('end', onEnd);
      req.once('close', onClose);
      req.resume();
    });
  }

  /** Reads the body as sent (still compressed), refusing past the limit. */
  private async readRaw(req: IncomingMessage): Promise<Buffer> {
    const limit = this.options.maxBodyBytes;
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) throw new HttpError(413, `body of ${declared} bytes exceeds the limit of ${limit}`);
    const raw = await readUpTo(req, limit);
    if (raw === null) throw new HttpError(413, `body exceeds the limit of ${limit} bytes`);
    return raw;
  }

  /** Reads the body, refusing past the limit before and after decompression. */
  private async readBody(req: IncomingMessage): Promise<Buffer> {
    const limit = this.options.maxBodyBytes;
    const raw = await this.readRaw(req);
    const coding = (header(req, 'content-encoding') ?? 'identity').trim().toLowerCase();
    if (coding === 'identity' || coding === '') return raw;
    if (coding !== 'gzip' && coding !== 'x-gzip' && coding !== 'deflate')
      throw new HttpError(415, `unsupported content encoding ${JSON.stringify(coding)}; use gzip or none`);
    try {
      return await (coding === 'deflate' ? inflateAsync : gunzipAsync)(raw, { maxOutputLength: limit });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
        throw new HttpError(413, `decompressed body exceeds the limit of ${limit} bytes`);
      throw new HttpError(400, `invalid ${coding} body: ${(err as Error).message}`);
    }
  }
}

/**
 * The body, or null as soon as it passes `limit` (the rest stays unread, for the caller to drain).
 * Not `for await`: leaving that loop early destroys the request and with it the connection.
 */
function readUpTo(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause();
        resolve(null);
      } else chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      cleanup();
      if (!req.complete) reject(new Error('client closed the connection before sending the whole body'));
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
    req.once('close', onClose);
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function contentEncodingOf(contentType: string | undefined): Encoding | null {
  const media = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (media === 'application/x-protobuf' || media === 'application/protobuf') return 'protobuf';
  if (media === 'application/json') return 'json';
  return null;
}

/** The google.rpc.Code matching an HTTP status, for the Status body. */
function grpcCodeFor(status: number): number {
  switch (status) {
    case 400:
      return 3; // INVALID_ARGUMENT
    case 401:
      return 16; // UNAUTHENTICATED
    case 404:
      return 12; // UNIMPLEMENTED
    case 405:
      return 12;
    case 413:
      return 8; // RESOURCE_EXHAUSTED
    case 415:
      return 3;
    case 503:
      return 14; // UNAVAILABLE
    default:
      return 13; // INTERNAL
  }
}

function send(res: ServerResponse, status: number, encoding: Encoding, body: Uint8Array | string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'Content-Type': encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json',
    'Content-Length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}
