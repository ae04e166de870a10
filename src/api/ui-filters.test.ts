import { describe, expect, it } from 'vitest';
import type { QueryParams } from '../storage/types.js';
import { ApiError } from './http.js';
import { entityFilters, monitorFlagFilter } from './ui-filters.js';

describe('UI filters', () => {
  it('turns each entity parameter into a has() condition with a bound value', () => {
    const where: string[] = [];
    const params: QueryParams = {};
    entityFilters(new URLSearchParams('entity=replica:gpu-node-1:8000&entity=gpu:GPU-1&entity='), where, params);
    expect(where).toEqual(['has(entities, {entity0:String})', 'has(entities, {entity1:String})']);
    expect(params).toEqual({ entity0: 'replica:gpu-node-1:8000', entity1: 'gpu:GPU-1' });
  });

  it('refuses an id without a kind, and too many', () => {
    expect(() => entityFilters(new URLSearchParams('entity=gpu-node-1'), [], {})).toThrow(ApiError);
    expect(() => entityFilters(new URLSearchParams(Array.from({ length: 9 }, (_, i) => ['entity', `gpu:${i}`])), [], {})).toThrow(/at most 8/);
  });

  it('adds the monitor semi-join only when a monitor is named', () => {
    const where: string[] = [];
    const params: QueryParams = {};
    monitorFlagFilter(new URLSearchParams(''), 'strata', where, params);
    expect(where).toEqual([]);
    monitorFlagFilter(new URLSearchParams('monitor=reward_hacking'), 'strata', where, params);
    expect(where).toEqual(['(trace_id, span_id) IN (SELECT trace_id, span_id FROM strata.monitor_results WHERE monitor = {flag_monitor:String} AND flag)']);
    expect(params).toEqual({ flag_monitor: 'reward_hacking' });
  });
});
