/**
 * Entity derivation: the refs and edges each span, metric point and log record reveals.
 *
 * Attributes Strata reads (R = resource, S = span, P = metric point, L = log record):
 *
 * | entity             | key                                   | read from                                                    |
 * |--------------------|---------------------------------------|--------------------------------------------------------------|
 * | `service`          | `{namespace}/{name}`, or `{name}`     | R `service.name`, R `service.namespace`                      |
 * | `service_instance` | the id                                | R `service.instance.id`                                      |
 * | `host`             | the name, else the id                 | R `host.name`, R `host.id`; without either, P DCGM `hostname` / `Hostname` (older exporters) |
 * | `k8s_node`         | the node name                         | R `k8s.node.name`                                            |
 * | `k8s_pod`          | `{namespace}/{pod}` (`/{pod}` w/o ns) | R `k8s.namespace.name`, R `k8s.pod.name`; P DCGM `namespace`, `pod` |
 * | `model`            | the model name                        | S/L `gen_ai.response.model`, else `gen_ai.request.model` / `llm.model_name`; P also vLLM/SGLang `model_name` |
 * | `provider`         | the provider name                     | S/L `gen_ai.provider.name`, `gen_ai.system`, `llm.provider`, `llm.system` |
 * | `gpu`              | the UUID (a bare index: `{host}/{i}`) | R/S/P/L `gpu.uuid`, `nvidia.gpu.uuid`, `gpu.id`, `gpu.uuids` (array or comma list), `hw.id` when `hw.type` = gpu; P DCGM `UUID` |
 * | `replica`          | see below                             | S `server.address`, `server.port`; R `service.instance.id`, host, R `server.port` |
 *
 * Replica rule (a replica is one model-serving endpoint). Only inference observations have one:
 * a span with a model, a `gen_ai.latency.*` attribute, or an inference operation (chat,
 * text_completion, generate_content, embeddings).
 * - Server side (span kind SERVER, or vLLM's `llm_request` span; engine metrics `vllm:*`,
 *   `sglang:*`, `tgi_*`, `gen_ai.server.*`): the process itself, keyed by R `service.instance.id`;
 *   without one, `{host}:{port}` with the port from S `server.port` or R `server.port`, or `{host}`
 *   alone when no port is known; nothing when the host is unknown either.
 * - Client side (any other span kind; `gen_ai.client.*` metric points): the endpoint called,
 *   `{server.address}:{server.port}` (`[addr]:port` for IPv6), or `{server.address}` without a port.
 *
 * Edges: service_instance -instance_of-> service; service_instance -runs_on-> host;
 * k8s_pod -scheduled_on-> k8s_node; host -has-> gpu (the resource's host, or the DCGM label's);
 * server-side replica -runs_on-> host and -uses-> gpu (resource and observation GPUs);
 * replica -serves-> model; for DCGM points that name a pod, k8s_pod -uses-> gpu.
 */
import type { AnyValue, Attributes } from '../../receivers/otlp/types.js';
import type { EntityLinks, EntityRef } from '../../model/entity.js';
import type { GenAiFields } from '../../model/span.js';
import { asString, pickString } from '../attributes.js';
import { PROVIDER_KEYS } from '../genai/aliases.js';
import { EntityCollector } from './collector.js';
import { DCGM_HOSTNAME_LABELS, DCGM_METRIC_PREFIX, gpuKeys, hasGpuAttributes } from './gpu.js';

/** Resource-level entity work, done once per ResourceSpans/ResourceMetrics/ResourceLogs. */
export interface ResourceEntities {
  /** The resource's own refs and edges (shared by every observation that adds nothing). */
  readonly links: EntityLinks;
  readonly host: EntityRef | null;
  readonly hostKey: string | null;
  readonly gpus: readonly EntityRef[];
  readonly instanceId: string | null;
  readonly serverPort: string | null;
}

/** The service entity key: `{namespace}/{name}`, or the name; null without a name. */
export function serviceKey(resource: Attributes): string | null {
  const name = asString(resource['service.name']);
  if (name === null) return null;
  const ns = asString(resource['service.namespace']);
  return ns === null ? name : `${ns}/${name}`;
}

/** Derives the entities of a resource (see the module comment). */
export function deriveResourceEntities(resource: Attributes): ResourceEntities {
  const c = new EntityCollector();
  const service = c.ref('service', serviceKey(resource));
  const instanceId = asString(resource['service.instance.id']);
  const instance = c.ref('service_instance', instanceId);
  const hostKey = asString(resource['host.name']) ?? asString(resource['host.id']);
  const host = c.ref('host', hostKey);
  const node = c.ref('k8s_node', asString(resource['k8s.node.name']));
  const podName = asString(resource['k8s.pod.name']);
  const pod = podName === null ? null : c.ref('k8s_pod', `${asString(resource['k8s.namespace.name']) ?? ''}/${podName}`);
  const gpus: EntityRef[] = [];
  for (const k of gpuKeys(resource, hostKey, false)) gpus.push(c.ref('gpu', k)!);
  c.edge(instance, service, 'instance_of');
  c.edge(instance, host, 'runs_on');
  c.edge(pod, node, 'scheduled_on');
  c.edgesTo(host, gpus, 'has');
  return {
    links: c.links(),
    host,
    hostKey,
    gpus,
    instanceId,
    serverPort: asString(resource['server.port']),
  };
}

/** `addr:port`, bracketing IPv6 addresses; the address alone without a port. */
function endpointKey(address: string, port: string | null): string {
  if (port === null) return address;
  return address.includes(':') && !address.startsWith('[') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** The server-side replica key (see the module comment). */
export function serverReplicaKey(res: ResourceEntities, port: AnyValue | undefined): string | null {
  if (res.instanceId !== null) return res.instanceId;
  if (res.hostKey === null) return null;
  return endpointKey(res.hostKey, asString(port) ?? res.serverPort);
}

/**
 * The client-side replica key: the gateway's `strata.gateway.replica` (an upstream configured with its
 * replica name), else `server.address` / `server.port`; null without either.
 */
export function clientReplicaKey(attrs: Attributes): string | null {
  const named = asString(attrs['strata.gateway.replica']);
  if (named !== null && named !== '') return named;
  const address = asString(attrs['server.address']);
  return address === null ? null : endpointKey(address, asString(attrs['server.port']));
}

/** The host GPUs of an observation belong to: the resource's, or one the observation names. */
interface GpuHost {
  readonly host: EntityRef | null;
  readonly hostKey: string | null;
}

/** Adds observation-level GPUs: refs, host -has-> gpu; answers them. */
function addGpus(c: EntityCollector, host: GpuHost, attrs: Attributes, dcgm: boolean): EntityRef[] {
  const out: EntityRef[] = [];
  if (!hasGpuAttributes(attrs, dcgm)) return out;
  for (const k of gpuKeys(attrs, host.hostKey, dcgm)) out.push(c.ref('gpu', k)!);
  c.edgesTo(host.host, out, 'has');
  return out;
}

/** Adds a replica with its edges; server-side replicas also run on the host and use its GPUs. */
function addReplica(
  c: EntityCollector,
  res: ResourceEntities,
  key: string | null,
  serverSide: boolean,
  model: EntityRef | null,
  gpus: readonly EntityRef[],
): void {
  const replica = c.ref('replica', key);
  if (replica === null) return;
  c.edge(replica, model, 'serves');
  if (!serverSide) return;
  c.edge(replica, res.host, 'runs_on');
  c.edgesTo(replica, res.gpus, 'uses');
  c.edgesTo(replica, gpus, 'uses');
}

const INFERENCE_OPERATIONS = new Set(['chat', 'text_completion', 'generate_content', 'embeddings']);
const SPAN_KIND_SERVER = 2;

/** True for a span that ran (or called) model inference: it names a model, a phase latency or an inference operation. */
function isInference(g: GenAiFields): boolean {
  if (g.requestModel !== null || g.responseModel !== null) return true;
  if (g.operation !== null && INFERENCE_OPERATIONS.has(g.operation)) return true;
  for (const _ in g.latencies) return true;
  return false;
}

/**
 * Entities of one span: the resource's, plus model, provider, span-level GPUs and the replica
 * (see the module comment for the replica rule). Spans adding nothing share `res.links`.
 */
export function deriveSpanEntities(
  res: ResourceEntities,
  attrs: Attributes,
  name: string,
  kind: number,
  genai: GenAiFields,
): EntityLinks {
  const model = genai.responseModel ?? genai.requestModel;
  const provider = genai.provider;
  const inference = isInference(genai);
  if (model === null && provider === null && !inference && !hasGpuAttributes(attrs, false)) return res.links;
  const c = new EntityCollector(res.links);
  const modelRef = c.ref('model', model);
  c.ref('provider', provider);
  const gpus = addGpus(c, res, attrs, false);
  if (inference) {
    const serverSide = kind === SPAN_KIND_SERVER || name === 'llm_request';
    const key = serverSide ? serverReplicaKey(res, attrs['server.port']) : clientReplicaKey(attrs);
    addReplica(c, res, key, serverSide, modelRef, gpus);
  }
  return c.links();
}

const POINT_MODEL_KEYS = ['gen_ai.response.model', 'gen_ai.request.model', 'model_name'] as const;

function isServerEngineMetric(name: string): boolean {
  return name.startsWith('vllm:') || name.startsWith('sglang:') || name.startsWith('tgi_') || name.startsWith('gen_ai.server.');
}

/**
 * Entities of one metric point: the resource's, plus GPUs (incl. the DCGM `UUID` label, and the
 * DCGM `namespace`/`pod` labels as a pod using that GPU), model, provider, and the replica for
 * engine (server-side) and `gen_ai.client.*` (client-side) metrics. A DCGM point on a resource
 * without a host names its host by the `hostname` / `Hostname` label, which then has its GPUs.
 */
export function deriveMetricPointEntities(res: ResourceEntities, metricName: string, attrs: Attributes): EntityLinks {
  const model = pickString(attrs, POINT_MODEL_KEYS);
  const provider = pickString(attrs, PROVIDER_KEYS);
  const serverSide = isServerEngineMetric(metricName);
  const clientSide = !serverSide && metricName.startsWith('gen_ai.client.');
  const labelHost = res.hostKey === null && metricName.startsWith(DCGM_METRIC_PREFIX) ? pickString(attrs, DCGM_HOSTNAME_LABELS) : null;
  if (model === null && provider === null && !serverSide && !clientSide && labelHost === null && !hasGpuAttributes(attrs, true)) {
    return res.links;
  }
  const c = new EntityCollector(res.links);
  const modelRef = c.ref('model', model);
  c.ref('provider', provider);
  const gpuHost: GpuHost = labelHost === null ? res : { host: c.ref('host', labelHost), hostKey: labelHost };
  const gpus = addGpus(c, gpuHost, attrs, true);
  if (gpus.length > 0) {
    const podName = asString(attrs['pod']);
    if (podName !== null) {
      const pod = c.ref('k8s_pod', `${asString(attrs['namespace']) ?? ''}/${podName}`);
      c.edgesTo(pod, gpus, 'uses');
    }
  }
  if (serverSide) addReplica(c, res, serverReplicaKey(res, undefined), true, modelRef, gpus);
  else if (clientSide) addReplica(c, res, clientReplicaKey(attrs), false, modelRef, gpus);
  return c.links();
}

const LOG_MODEL_KEYS = ['gen_ai.response.model', 'gen_ai.request.model'] as const;

/** Entities of one log record: the resource's, plus model, provider and GPUs named by its attributes. */
export function deriveLogEntities(res: ResourceEntities, attrs: Attributes): EntityLinks {
  const model = pickString(attrs, LOG_MODEL_KEYS);
  const provider = pickString(attrs, PROVIDER_KEYS);
  if (model === null && provider === null && !hasGpuAttributes(attrs, false)) return res.links;
  const c = new EntityCollector(res.links);
  c.ref('model', model);
  c.ref('provider', provider);
  addGpus(c, res, attrs, false);
  return c.links();
}
