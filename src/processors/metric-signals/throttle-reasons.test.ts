import { describe, expect, it } from 'vitest';
import { decodeThrottleReasons, parseThrottleMask, THROTTLE_REASON_BITS, throttleReasonsLabel } from './throttle-reasons.js';

describe('NVML throttle reason bits', () => {
  it('names each documented bit', () => {
    expect(THROTTLE_REASON_BITS.map(([bit, name]) => [Number(bit), name])).toEqual([
      [0x1, 'gpu_idle'],
      [0x2, 'clocks_setting'],
      [0x4, 'sw_power_cap'],
      [0x8, 'hw_slowdown'],
      [0x10, 'sync_boost'],
      [0x20, 'sw_thermal'],
      [0x40, 'hw_thermal'],
      [0x80, 'hw_power_brake'],
      [0x100, 'display_clocks'],
    ]);
    for (const [bit, name] of THROTTLE_REASON_BITS) expect(decodeThrottleReasons(bit)).toEqual([name]);
  });

  it('decodes combined masks sorted by name, unknown bits as bit_N', () => {
    expect(decodeThrottleReasons(0n)).toEqual([]);
    expect(decodeThrottleReasons(0x48n)).toEqual(['hw_slowdown', 'hw_thermal']);
    expect(decodeThrottleReasons(0x1ffn)).toEqual([
      'clocks_setting',
      'display_clocks',
      'gpu_idle',
      'hw_power_brake',
      'hw_slowdown',
      'hw_thermal',
      'sw_power_cap',
      'sw_thermal',
      'sync_boost',
    ]);
    expect(decodeThrottleReasons(0x204n)).toEqual(['bit_9', 'sw_power_cap']);
    expect(decodeThrottleReasons(1n << 63n)).toEqual(['bit_63']);
  });
});

describe('parseThrottleMask', () => {
  it('reads decimal numbers, decimal strings and hex strings as nvidia-smi prints them', () => {
    expect(parseThrottleMask(72)).toBe(72n);
    expect(parseThrottleMask('72')).toBe(72n);
    expect(parseThrottleMask(' 72.000000 ')).toBe(72n);
    expect(parseThrottleMask('0x0000000000000048')).toBe(72n);
    expect(parseThrottleMask('0X48')).toBe(72n);
    expect(parseThrottleMask('0xFFFFFFFFFFFFFFFF')).toBe((1n << 64n) - 1n);
    expect(parseThrottleMask(0)).toBe(0n);
  });

  it('refuses what is not a mask', () => {
    for (const v of [-1, 1.5, Number.NaN, Infinity, '', ' ', 'abc', '0x', '0x1G', '-4', '1e3', '[N/A]', '0x10000000000000000', null, undefined, {}, true]) {
      expect(parseThrottleMask(v), String(v)).toBeNull();
    }
  });
});

describe('throttleReasonsLabel', () => {
  it('is the sorted comma list, "none" for 0, null for a non-mask', () => {
    expect(throttleReasonsLabel('0x0000000000000048')).toBe('hw_slowdown,hw_thermal');
    expect(throttleReasonsLabel(1)).toBe('gpu_idle');
    expect(throttleReasonsLabel(0x104)).toBe('display_clocks,sw_power_cap');
    expect(throttleReasonsLabel('0x0000000000000000')).toBe('none');
    expect(throttleReasonsLabel('[Not Supported]')).toBeNull();
  });
});
