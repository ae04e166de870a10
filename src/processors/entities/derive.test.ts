import { describe, expect, it } from 'vitest';
import type { EntityLinks } from '../../model/entity.js';
import { entityId } from '../../model/entity.js';
import type { Attributes } from '../../receivers/otlp/types.js';
import { extractGenAi } from '../genai/extract.js';
import { deriveLogEntities, deriveMetricPointEntities, deriveResourceEntities, deriveSpanEntities } from './derive.js';

const ids = (l: EntityLinks) => l.refs.map(entityId);
const edges = (l: EntityLinks) => l.edges.map((e) => `${entityId(e.from)} -${e.relation}-> ${entityId(e.to)}`);

const k8sGpuResource: Attributes = {
  'service.name': 'vllm',
  'service.namespace': 'inference',
  'service.instance.id': 'vllm-7d9f-0',
  'host.name': 'gpu-node-3',
  'k8s.node.name': 'gpu-node-3',
  'k8s.namespace.name': 'llm',
  'k8s.pod.name': 'vllm-7d9f-0',
  'gpu.uuids': ['GPU-aaaa', 'GPU-bbbb'],
  'gpu.uuid': 'GPU-aaaa',
};

describe('resource entities', () => {
  it('derives refs and edges for a k8s resource with GPUs, without duplicates', () => {
    const r = deriveResourceEntities(k8sGpuResource);
    expect(ids(r.links)).toEqual([
      'service:inference/vllm',
      'service_instance:vllm-7d9f-0',
      'host:gpu-node-3',
      'k8s_node:gpu-node-3',
      'k8s_pod:llm/vllm-7d9f-0',
      'gpu:GPU-aaaa',
      'gpu:GPU-bbbb',
    ]);
    expect(edges(r.links)).toEqual([
      'service_instance:vllm-7d9f-0 -instance_of-> service:inference/vllm',
      'service_instance:vllm-7d9f-0 -runs_on-> host:gpu-node-3',
      'k8s_pod:llm/vllm-7d9f-0 -scheduled_on-> k8s_node:gpu-node-3',
      'host:gpu-node-3 -has-> gpu:GPU-aaaa',
      'host:gpu-node-3 -has-> gpu:GPU-bbbb',
    ]);
  });

  it('uses host.id without host.name, hw.id for hw.type gpu, and qualifies bare GPU indices', () => {
    const r = deriveResourceEntities({ 'service.name': 'svc', 'host.id': 'i-0abc', 'hw.type': 'gpu', 'hw.id': '0', 'nvidia.gpu.uuid': 'GPU-cc' });
    expect(ids(r.links)).toEqual(['service:svc', 'host:i-0abc', 'gpu:GPU-cc', 'gpu:i-0abc/0']);
    expect(ids(deriveResourceEntities({ 'hw.type': 'disk', 'hw.id': 'sda', 'gpu.id': '1' }).links)).toEqual([]);
  });
});

describe('span entities and the replica rule', () => {
  const span = (res: Attributes, attrs: Attributes, kind: number, name = 'chat m') => {
    const r = deriveResourceEntities(res);
    return deriveSpanEntities(r, attrs, name, kind, extractGenAi(attrs, []));
  };

  it('client span: replica is server.address:server.port, serving the response model', () => {
    const l = span(
      { 'service.name': 'app', 'host.name': 'web-1', 'gpu.uuid': 'GPU-app' },
      {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.response.model': 'gpt-4o-2024-08-06',
        'server.address': 'api.openai.com',
        'server.port': { int: 443n },
      },
      3,
    );
    expect(ids(l)).toEqual([
      'service:app',
      'host:web-1',
      'gpu:GPU-app',
      'model:gpt-4o-2024-08-06',
      'provider:openai',
      'replica:api.openai.com:443',
    ]);
    // The client's own GPU is not the replica's.
    expect(edges(l)).toEqual(['host:web-1 -has-> gpu:GPU-app', 'replica:api.openai.com:443 -serves-> model:gpt-4o-2024-08-06']);
  });

  it('client span without server.address has no replica; IPv6 addresses are bracketed', () => {
    expect(ids(span({}, { 'gen_ai.request.model': 'm' }, 3))).toEqual(['model:m']);
    expect(ids(span({}, { 'gen_ai.request.model': 'm', 'server.address': '::1', 'server.port': 8000 }, 3))).toEqual([
      'model:m',
      'replica:[::1]:8000',
    ]);
  });

  it('client span: a gateway-named replica (strata.gateway.replica) wins over server.address:port', () => {
    const attrs = { 'gen_ai.request.model': 'm', 'server.address': '127.0.0.1', 'server.port': { int: 41234n }, 'strata.gateway.replica': 'gpu-node-1:8001' };
    expect(ids(span({}, attrs, 3))).toEqual(['model:m', 'replica:gpu-node-1:8001']);
    expect(ids(span({}, { ...attrs, 'strata.gateway.replica': '' }, 3))).toEqual(['model:m', 'replica:127.0.0.1:41234']);
  });

  it('vLLM llm_request span on k8s: replica is the service instance, on the host, using its GPUs', () => {
    const l = span(
      k8sGpuResource,
      { 'gen_ai.response.model': 'llama-3-8b', 'gen_ai.latency.e2e': 0.5, 'gen_ai.usage.prompt_tokens': { int: 3n } },
      2,
      'llm_request',
    );
    expect(ids(l).slice(7)).toEqual(['model:llama-3-8b', 'replica:vllm-7d9f-0']);
    expect(edges(l).slice(5)).toEqual([
      'replica:vllm-7d9f-0 -serves-> model:llama-3-8b',
      'replica:vllm-7d9f-0 -runs_on-> host:gpu-node-3',
      'replica:vllm-7d9f-0 -uses-> gpu:GPU-aaaa',
      'replica:vllm-7d9f-0 -uses-> gpu:GPU-bbbb',
    ]);
  });

  it('server span without service.instance.id: host:port, else host; nothing without a host', () => {
    const attrs = { 'gen_ai.response.model': 'm', 'server.port': 8000 };
    expect(ids(span({ 'host.name': 'h1' }, attrs, 2))).toEqual(['host:h1', 'model:m', 'replica:h1:8000']);
    expect(ids(span({ 'host.name': 'h1' }, { 'gen_ai.response.model': 'm' }, 2))).toEqual(['host:h1', 'model:m', 'replica:h1']);
    expect(ids(span({}, attrs, 2))).toEqual(['model:m']);
    // llm_request by name, even with another kind.
    expect(ids(span({ 'service.instance.id': 'i1' }, { 'gen_ai.latency.e2e': 1 }, 1, 'llm_request'))).toEqual([
      'service_instance:i1',
      'replica:i1',
    ]);
  });

  it('non-inference spans have no replica; non-GenAI spans share the resource links', () => {
    const tool = span({ 'service.name': 'a' }, { 'gen_ai.operation.name': 'execute_tool', 'server.address': 'tools' }, 3);
    expect(ids(tool)).toEqual(['service:a']);
    const r = deriveResourceEntities({ 'service.name': 'a' });
    const http = { 'http.request.method': 'GET' };
    expect(deriveSpanEntities(r, http, 'GET /', 2, extractGenAi(http, []))).toBe(r.links);
  });

  it('span-level GPU attributes add gpu refs and host edges', () => {
    const l = span({ 'host.name': 'h' }, { 'gpu.uuid': 'GPU-x' }, 1, 'kernel');
    expect(ids(l)).toEqual(['host:h', 'gpu:GPU-x']);
    expect(edges(l)).toEqual(['host:h -has-> gpu:GPU-x']);
  });
});

describe('metric point and log entities', () => {
  it('DCGM point: UUID label, host edge and the pod using the GPU', () => {
    const r = deriveResourceEntities({ 'service.name': 'dcgm-exporter', 'host.name': 'gpu-node-3' });
    const l = deriveMetricPointEntities(r, 'DCGM_FI_DEV_GPU_UTIL', {
      gpu: '0',
      UUID: 'GPU-aaaa',
      modelName: 'NVIDIA H100 80GB HBM3',
      namespace: 'llm',
      pod: 'vllm-7d9f-0',
    });
    expect(ids(l)).toEqual(['service:dcgm-exporter', 'host:gpu-node-3', 'gpu:GPU-aaaa', 'k8s_pod:llm/vllm-7d9f-0']);
    expect(edges(l)).toEqual(['host:gpu-node-3 -has-> gpu:GPU-aaaa', 'k8s_pod:llm/vllm-7d9f-0 -uses-> gpu:GPU-aaaa']);
  });

  it('DCGM point on a resource without a host: the hostname label (new and old spelling) is the host', () => {
    const r = deriveResourceEntities({ 'service.name': 'dcgm-exporter' });
    for (const label of ['hostname', 'Hostname']) {
      const l = deriveMetricPointEntities(r, 'DCGM_FI_DEV_GPU_TEMP', { gpu: '0', UUID: 'GPU-aaaa', [label]: 'gpu-node-7' });
      expect(ids(l)).toEqual(['service:dcgm-exporter', 'host:gpu-node-7', 'gpu:GPU-aaaa']);
      expect(edges(l)).toEqual(['host:gpu-node-7 -has-> gpu:GPU-aaaa']);
    }
    // The exporter's own metrics too; without a GPU label, the host alone.
    const own = deriveMetricPointEntities(r, 'DCGM_EXP_GPU_HEALTH_STATUS', { hostname: 'gpu-node-7' });
    expect(ids(own)).toEqual(['service:dcgm-exporter', 'host:gpu-node-7']);
    expect(edges(own)).toEqual([]);
  });

  it('the hostname label is not read when the resource names a host, nor on other metrics', () => {
    const withHost = deriveResourceEntities({ 'service.name': 'dcgm-exporter', 'host.name': 'scraper-1' });
    const l = deriveMetricPointEntities(withHost, 'DCGM_FI_DEV_GPU_UTIL', { UUID: 'GPU-aaaa', Hostname: 'other' });
    expect(ids(l)).toEqual(['service:dcgm-exporter', 'host:scraper-1', 'gpu:GPU-aaaa']);
    expect(edges(l)).toEqual(['host:scraper-1 -has-> gpu:GPU-aaaa']);
    const bare = deriveResourceEntities({ 'service.name': 'app' });
    expect(deriveMetricPointEntities(bare, 'process.cpu.time', { hostname: 'h' })).toBe(bare.links);
  });

  it('DCGM point with a bare GPU index: qualified by the label host', () => {
    const r = deriveResourceEntities({});
    const l = deriveMetricPointEntities(r, 'DCGM_FI_DEV_POWER_USAGE', { 'gpu.id': '3', hostname: 'h9' });
    expect(ids(l)).toEqual(['host:h9', 'gpu:h9/3']);
    expect(edges(l)).toEqual(['host:h9 -has-> gpu:h9/3']);
  });

  it('vLLM engine metric: server-side replica from the scrape target serving model_name', () => {
    const r = deriveResourceEntities({ 'service.name': 'vllm', 'service.instance.id': '10.0.0.5:8000' });
    const l = deriveMetricPointEntities(r, 'vllm:num_requests_running', { model_name: 'llama', engine: '0' });
    expect(ids(l)).toEqual(['service:vllm', 'service_instance:10.0.0.5:8000', 'model:llama', 'replica:10.0.0.5:8000']);
    expect(edges(l)).toEqual([
      'service_instance:10.0.0.5:8000 -instance_of-> service:vllm',
      'replica:10.0.0.5:8000 -serves-> model:llama',
    ]);
    const plain = deriveMetricPointEntities(r, 'process.cpu.time', { state: 'user' });
    expect(plain).toBe(r.links);
  });

  it('gen_ai client metric: client-side replica from server.address', () => {
    const r = deriveResourceEntities({});
    const l = deriveMetricPointEntities(r, 'gen_ai.client.token.usage', {
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'server.address': 'api.openai.com',
    });
    expect(ids(l)).toEqual(['model:gpt-4o', 'provider:openai', 'replica:api.openai.com']);
  });

  it('log record: model and provider from GenAI attributes', () => {
    const r = deriveResourceEntities({ 'service.name': 'app' });
    const l = deriveLogEntities(r, { 'gen_ai.system': 'anthropic', 'gen_ai.request.model': 'claude' });
    expect(ids(l)).toEqual(['service:app', 'model:claude', 'provider:anthropic']);
    expect(deriveLogEntities(r, { foo: 'bar' })).toBe(r.links);
  });
});
