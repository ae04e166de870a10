import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FAULT_TYPES } from '../model/faults.js';
import { CAUSAL_LINKS, causalLinksMarkdown } from './causal-links.js';
import { mitigationFor } from './mitigation.js';

describe('the causal-link table', () => {
  it('has one link per fault type, each with a primary trigger', () => {
    expect(CAUSAL_LINKS.map((l) => l.faultType).sort()).toEqual([...FAULT_TYPES].sort());
    for (const l of CAUSAL_LINKS) expect(l.triggers.some((t) => t.primary)).toBe(true);
  });

  it('docs/incidents.md prints it as the code has it', () => {
    const doc = readFileSync(new URL('../../docs/incidents.md', import.meta.url), 'utf8');
    const m = /<!-- causal-links:start -->\n([\s\S]*?)<!-- causal-links:end -->/.exec(doc);
    expect(m?.[1]).toBe(causalLinksMarkdown());
  });
});

describe('mitigationFor', () => {
  it('suggests something for every fault type, naming the entity blamed', () => {
    for (const ft of FAULT_TYPES) {
      const text = mitigationFor(ft, ft === 'prompt_drift' ? 'fleet:all' : 'gpu:GPU-9');
      expect(text.length).toBeGreaterThan(40);
      if (ft !== 'prompt_drift') expect(text).toContain('GPU GPU-9');
    }
    expect(mitigationFor('kv_cache_exhaustion', 'replica:node-1:8001')).toMatch(/replica node-1:8001.*max-num-seqs/);
  });
});
