/**
 * NVML clock event (throttle) reasons: the bitmask behind DCGM's `DCGM_FI_DEV_CLOCKS_EVENT_REASONS`
 * (older `DCGM_FI_DEV_CLOCK_THROTTLE_REASONS`) and nvidia-smi's `clocks_event_reasons.active` (older
 * `clocks_throttle_reasons.active`), decoded into reason names.
 */

/** NVML's clock event reason bits and the names Strata gives them. */
export const THROTTLE_REASON_BITS: readonly (readonly [bit: bigint, name: string])[] = [
  [0x1n, 'gpu_idle'],
  [0x2n, 'clocks_setting'],
  [0x4n, 'sw_power_cap'],
  [0x8n, 'hw_slowdown'],
  [0x10n, 'sync_boost'],
  [0x20n, 'sw_thermal'],
  [0x40n, 'hw_thermal'],
  [0x80n, 'hw_power_brake'],
  [0x100n, 'display_clocks'],
];

/** The `reasons` label of a mask with no bit set. */
export const NO_THROTTLE_REASONS = 'none';

const MAX_MASK = (1n << 64n) - 1n;

/**
 * Reads a bitmask as it arrives: a number (a non-negative integer), a decimal string, or a hex
 * string with `0x` (nvidia-smi prints `0x0000000000000048`). Surrounding spaces are allowed.
 * Anything else (fractions, negatives, NaN, text, more than 64 bits) gives null.
 * @example parseThrottleMask('0x0000000000000048') // 72n
 */
export function parseThrottleMask(v: unknown): bigint | null {
  if (typeof v === 'bigint') return v >= 0n && v <= MAX_MASK ? v : null;
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : null;
  if (typeof v !== 'string') return null;
  const s = v.trim();
  let mask: bigint;
  if (/^0[xX][0-9a-fA-F]{1,16}$/.test(s)) mask = BigInt(`0x${s.slice(2)}`);
  else if (/^\d{1,20}$/.test(s)) mask = BigInt(s);
  // A float formatting of an integer ("72.0", "72.000000") is how some exporters print gauges.
  else if (/^\d{1,16}\.0*$/.test(s)) mask = BigInt(s.slice(0, s.indexOf('.')));
  else return null;
  return mask <= MAX_MASK ? mask : null;
}

/**
 * The reason names of a mask, sorted by name; bits NVML does not define come out as `bit_N`
 * (N the bit's position, 0-based).
 * @example decodeThrottleReasons(0x48n) // ['hw_slowdown', 'hw_thermal']
 */
export function decodeThrottleReasons(mask: bigint): string[] {
  const out: string[] = [];
  let rest = mask;
  for (const [bit, name] of THROTTLE_REASON_BITS) {
    if ((mask & bit) !== 0n) out.push(name);
    rest &= ~bit;
  }
  for (let i = 0; rest !== 0n; i++, rest >>= 1n) {
    if ((rest & 1n) !== 0n) out.push(`bit_${i}`);
  }
  return out.sort();
}

/**
 * The `reasons` label for a mask in any form {@link parseThrottleMask} reads: the sorted names
 * joined by commas, {@link NO_THROTTLE_REASONS} for 0, null when the value is not a mask.
 * @example throttleReasonsLabel('0x0000000000000048') // 'hw_slowdown,hw_thermal'
 */
export function throttleReasonsLabel(v: unknown): string | null {
  const mask = parseThrottleMask(v);
  if (mask === null) return null;
  return mask === 0n ? NO_THROTTLE_REASONS : decodeThrottleReasons(mask).join(',');
}
