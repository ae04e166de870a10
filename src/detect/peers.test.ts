import { describe, expect, it } from 'vitest';
import { ref } from '../../test/helpers/detect-stream.js';
import { kindGroup, PeerBoard, PeerGroups } from './peers.js';

const edge = (from: string, to: string, relation: string) => ({ from: ref(from), to: ref(to), relation });

describe('PeerGroups', () => {
  it('groups replicas by the models they serve, and GPUs by the models of the replicas on them or on their host', () => {
    const g = new PeerGroups();
    g.noteEdge(edge('replica:a:1', 'model:llama', 'serves'));
    g.noteReplicaModel('replica:b:1', 'llama');
    g.noteEdge(edge('replica:c:1', 'model:qwen', 'serves'));
    g.noteEdge(edge('replica:a:1', 'gpu:GPU-1', 'uses'));
    g.noteEdge(edge('replica:c:1', 'host:node-2', 'runs_on'));
    g.noteEdge(edge('host:node-2', 'gpu:GPU-2', 'has'));
    expect(g.groupOf('replica:a:1')).toBe('replica|llama');
    expect(g.groupOf('replica:b:1')).toBe('replica|llama');
    expect(g.groupOf('replica:c:1')).toBe('replica|qwen');
    expect(g.groupOf('gpu:GPU-1')).toBe('gpu|llama');
    expect(g.groupOf('gpu:GPU-2')).toBe('gpu|qwen');
    expect(g.groupOf('gpu:GPU-9')).toBe('gpu|');
    // Learning more changes the answer (the cache is dropped).
    g.noteEdge(edge('replica:c:1', 'model:llama', 'serves'));
    expect(g.groupOf('gpu:GPU-2')).toBe('gpu|llama,qwen');
    expect(kindGroup('gpu:GPU-2')).toBe('gpu|*');
  });
});

describe('PeerBoard', () => {
  it('answers the median of three or more (self included), the other of a pair, nothing alone or stale', () => {
    const b = new PeerBoard();
    b.record('s', 'g', 'a', 1, 100);
    expect(b.reference('s', 'g', 'a', 100, 30)).toBeNull();
    b.record('s', 'g', 'b', 3, 100);
    expect(b.reference('s', 'g', 'a', 100, 30)).toEqual({ ref: 3, spread2: 0, members: 2 });
    b.record('s', 'g', 'c', 10, 100);
    b.record('s', 'g', 'd', 4, 100);
    const r = b.reference('s', 'g', 'c', 100, 30)!;
    expect(r.ref).toBe(3.5);
    // The members (1, 3, 4, 10) around their median 3.5: MAD 1.5.
    expect(r.spread2).toBeCloseTo((1.4826 * 1.5) ** 2, 6);
    // In a group of three, the spread is the other two's.
    const b3 = new PeerBoard();
    for (const [e, x] of [['a', 1], ['b', 2], ['c', 9]] as const) b3.record('s', 'g', e, x, 100);
    expect(b3.reference('s', 'g', 'c', 100, 30)).toEqual({ ref: 2, spread2: ((1.4826 * 1) / 2) ** 2, members: 3 });
    // Values older than the allowed age are not peers.
    expect(b.reference('s', 'g', 'a', 200, 30)).toBeNull();
    // An entity moving to another group leaves the first.
    b.record('s', 'h', 'd', 4, 100);
    expect(b.reference('s', 'g', 'c', 100, 30)!.members).toBe(3);
  });
});
