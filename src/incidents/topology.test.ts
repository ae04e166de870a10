import { describe, expect, it } from 'vitest';
import { fleetTopology, LLAMA, QWEN, R1, R2, R3, R4, replicaLinks } from '../../test/helpers/incident-fleet.js';
import { keyOf, kindOf, Topology } from './topology.js';

describe('Topology', () => {
  it('answers the serving queries from what ingest saw', () => {
    const t = fleetTopology();
    expect(t.replicas()).toEqual([R1, R2, R3, R4]);
    expect(t.gpusOf(R3)).toEqual(['gpu:GPU-3', 'gpu:GPU-4']);
    expect(t.replicasOn('gpu:GPU-4')).toEqual([R3]);
    expect(t.hostOf('gpu:GPU-4')).toBe('host:node-2');
    expect(t.hostOf(R1)).toBe('host:node-1');
    expect(t.modelsOf(R4)).toEqual([QWEN]);
    expect(t.replicasServing(LLAMA)).toEqual([R1, R2]);
    expect(t.gpusOfHost('host:node-1')).toEqual(['gpu:GPU-1', 'gpu:GPU-2']);
    expect(t.replicasOnHost('host:node-1')).toEqual([R1, R2]);
    expect(t.neighbours(R1)).toEqual(['gpu:GPU-1', 'host:node-1', LLAMA]);
    expect(t.neighbours('gpu:GPU-1')).toEqual(['host:node-1', R1]);
  });

  it('connects a replica with its GPUs, host and model, and replicas that share a GPU', () => {
    const t = fleetTopology();
    expect(t.connected(R1, 'gpu:GPU-1')).toBe(true);
    expect(t.connected('gpu:GPU-1', R1)).toBe(true);
    expect(t.connected(R1, 'gpu:GPU-2')).toBe(false);
    expect(t.connected('gpu:GPU-3', 'host:node-2')).toBe(true);
    expect(t.connected(R3, R4)).toBe(false);
    expect(t.connected(R4, QWEN)).toBe(true);
    t.addEdge('replica:node-3:8002', 'uses', 'gpu:GPU-5');
    expect(t.connected(R4, 'replica:node-3:8002')).toBe(true);
    expect(t.replicasOn('gpu:GPU-5')).toEqual([R4, 'replica:node-3:8002']);
  });

  it('takes edges from configuration, and unknown entities are alone', () => {
    const t = new Topology();
    t.addEdge('replica:a:1', 'uses', 'gpu:G');
    t.addEdge('host:h', 'has', 'gpu:G');
    expect(t.hostOf('replica:a:1')).toBe('host:h');
    expect(t.gpusOf('replica:a:1')).toEqual(['gpu:G']);
    expect(t.hostOf('gpu:unknown')).toBeNull();
    expect(t.gpusOf('replica:unknown')).toEqual([]);
    expect(t.connected('gpu:unknown', 'replica:unknown')).toBe(false);
    expect(t.connected('gpu:unknown', 'gpu:unknown')).toBe(true);
  });

  it('assumes a replica without reported GPUs shares its host', () => {
    const t = fleetTopology();
    t.observe({ refs: [], edges: [{ from: { kind: 'replica', key: 'node-3:9000' }, to: { kind: 'host', key: 'node-3' }, relation: 'runs_on' }] });
    expect(t.gpusOf('replica:node-3:9000')).toEqual(['gpu:GPU-5']);
    expect(t.replicasOn('gpu:GPU-5')).toEqual([R4, 'replica:node-3:9000']);
  });

  it('learns a shared links object once, and a known edge adds nothing', () => {
    const t = new Topology();
    const links = replicaLinks(R1, 'host:node-1', ['gpu:GPU-1'], LLAMA);
    t.observe(links);
    const g = t.generation;
    for (let i = 0; i < 1000; i++) t.observe(links);
    // A new object with the same content: no new entity, no new edge.
    t.observe(replicaLinks(R1, 'host:node-1', ['gpu:GPU-1'], LLAMA));
    t.observeAll([{ entities: links }, { entities: links }]);
    expect(t.generation).toBe(g);
    t.observe(replicaLinks(R1, 'host:node-1', ['gpu:GPU-2'], LLAMA));
    expect(t.generation).toBeGreaterThan(g);
    expect(t.gpusOf(R1)).toEqual(['gpu:GPU-1', 'gpu:GPU-2']);
  });

  it('splits ids', () => {
    expect(kindOf('replica:node-1:8001')).toBe('replica');
    expect(keyOf('replica:node-1:8001')).toBe('node-1:8001');
    expect(kindOf('nokind')).toBe('');
  });
});
