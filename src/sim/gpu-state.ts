/**
 * One GPU's physical state, integrated on a fixed one-second grid of the scenario clock (so readings do
 * not depend on how often anyone scrapes): utilisation follows the work of the replicas on it; SM clock
 * boosts with load and drops under thermal slowdown (30–50 %) or a power cap (less); power follows
 * utilisation and clock²; temperature lags power with a ~25 s time constant; throttle-reason bits, the
 * last XID, ECC and NVLink counters follow the active faults. Noise is a stateless hash of (GPU, tick,
 * field): two runs that give a GPU the same work give it identical readings.
 */
import type { GpuFaults } from './faults.js';
import { clamp, hashSeed, normalAt, poissonAt } from './rng.js';

/** The published figures the model needs, per GPU product. */
export interface GpuProduct {
  readonly boostSmMhz: number;
  readonly idleSmMhz: number;
  readonly memClockMhz: number;
  readonly tdpW: number;
  readonly idleW: number;
  readonly fbTotalMiB: number;
}

const H100_SXM: GpuProduct = { boostSmMhz: 1980, idleSmMhz: 345, memClockMhz: 2619, tdpW: 700, idleW: 70, fbTotalMiB: 81559 };
const PRODUCTS: readonly (readonly [RegExp, GpuProduct])[] = [
  [/H200/i, { boostSmMhz: 1980, idleSmMhz: 345, memClockMhz: 3201, tdpW: 700, idleW: 75, fbTotalMiB: 143771 }],
  [/H100.*PCIe/i, { boostSmMhz: 1755, idleSmMhz: 345, memClockMhz: 1593, tdpW: 350, idleW: 50, fbTotalMiB: 81559 }],
  [/H100/i, H100_SXM],
  [/A100.*40GB/i, { boostSmMhz: 1410, idleSmMhz: 210, memClockMhz: 1215, tdpW: 400, idleW: 55, fbTotalMiB: 40960 }],
  [/A100/i, { boostSmMhz: 1410, idleSmMhz: 210, memClockMhz: 1593, tdpW: 400, idleW: 55, fbTotalMiB: 81920 }],
  [/L40S/i, { boostSmMhz: 2520, idleSmMhz: 210, memClockMhz: 9001, tdpW: 350, idleW: 35, fbTotalMiB: 46068 }],
  [/A10G/i, { boostSmMhz: 1710, idleSmMhz: 210, memClockMhz: 6251, tdpW: 300, idleW: 25, fbTotalMiB: 23028 }],
  [/\bL4\b/i, { boostSmMhz: 2040, idleSmMhz: 210, memClockMhz: 6251, tdpW: 72, idleW: 16, fbTotalMiB: 23034 }],
];

/** The product figures for a DCGM model name; unknown names get an H100 SXM's. */
export function gpuProduct(modelName: string): GpuProduct {
  for (const [re, p] of PRODUCTS) if (re.test(modelName)) return p;
  return H100_SXM;
}

/** NVML clock-event (throttle) reason bits. */
export const THROTTLE = { gpuIdle: 0x1, swPowerCap: 0x4, hwSlowdown: 0x8, swThermal: 0x20, hwThermal: 0x40, hwPowerBrake: 0x80 } as const;

const TICK_MS = 1000;
/** Temperature time constant, s. */
const THERMAL_TAU_S = 25;
/** Utilisation is NVML's busy time over its sampling period: smoothed over a few seconds. */
const UTIL_TAU_S = 4;
/** Busy time grows with running sequences as 1 − exp(−k·n): host-side scheduling leaves gaps at small batches. */
const BUSY_PER_SEQUENCE = 0.55;

/** What a GPU reports at the current clock (DCGM units: MHz, °C, W, MiB, percent). */
export interface GpuReading {
  readonly smClockMhz: number;
  readonly memClockMhz: number;
  readonly gpuTempC: number;
  readonly memTempC: number;
  readonly powerW: number;
  readonly powerLimitW: number;
  readonly energyMj: number;
  readonly utilPct: number;
  readonly memCopyUtilPct: number;
  readonly grEngineActive: number;
  readonly dramActive: number;
  readonly fbUsedMiB: number;
  readonly fbFreeMiB: number;
  readonly fbTotalMiB: number;
  readonly throttleReasons: number;
  readonly xid: number;
  readonly eccSbe: number;
  readonly eccDbe: number;
  readonly nvlinkCrcFlit: number;
  /** XID 79: everything but the XID field is missing. */
  readonly offBus: boolean;
}

export interface GpuIdentity {
  readonly uuid: string;
  readonly host: string;
  readonly index: number;
  readonly model: string;
  /** Replicas running on it (for memory: each vLLM preallocates its share). */
  readonly replicaCount: number;
}

/** Average number of running sequences on the GPU over [fromMs, toMs). */
export type ActivityFn = (fromMs: number, toMs: number) => number;
/** The faults acting on the GPU at a time. */
export type GpuFaultsFn = (atMs: number) => GpuFaults;

export class GpuState {
  readonly product: GpuProduct;
  private readonly noiseSeed: number;
  private readonly ambientC: number;
  private readonly heatCPerW: number;
  private readonly firstTick: number;
  private lastTick: number;
  // Integrated state; a GPU with replicas starts busy (the fleet was serving before the scenario began).
  private util: number;
  private temp: number;
  private energyMj: number;
  private eccSbe = 0;
  private eccDbe = 0;
  private nvlink = 0;
  private wasEcc = false;
  private reading: GpuReading;
  /** SM clock relative to boost that faults impose under load (thermal × power cap), for latency. */
  private faultClock = 1;

  constructor(
    readonly id: GpuIdentity,
    seed: number,
    startMs: number,
    private readonly activity: ActivityFn,
    private readonly faults: GpuFaultsFn,
  ) {
    this.product = gpuProduct(id.model);
    this.util = id.replicaCount > 0 ? 0.6 : 0;
    this.noiseSeed = hashSeed(seed, 'gpu', id.uuid);
    this.ambientC = 26 + (hashSeed(id.host) % 4) + (id.index % 2);
    this.heatCPerW = 30 / (0.82 * this.product.tdpW);
    // Start warm (half load): the fleet has been serving before the scenario starts.
    this.temp = this.ambientC + this.heatCPerW * (this.product.idleW + 0.4 * (0.82 * this.product.tdpW - this.product.idleW));
    this.energyMj = 4e8 + (hashSeed(seed, id.uuid) % 1e8);
    this.firstTick = Math.floor(startMs / TICK_MS);
    this.lastTick = this.firstTick;
    this.reading = this.step(this.firstTick, 0, { thermal: 0, powerCap: 0, offBus: false, ecc: 0, eccXid: 0, nvlink: 0, noisyNeighbour: 0 });
  }

  /** Integrates every whole second up to unix ms `toMs`. */
  advance(toMs: number): void {
    const last = Math.floor(toMs / TICK_MS);
    for (let k = this.lastTick + 1; k <= last; k++) {
      const t = k * TICK_MS;
      this.reading = this.step(k, this.activity(t - TICK_MS, t), this.faults(t));
    }
    if (last > this.lastTick) this.lastTick = last;
  }

  /** The reading at the last integrated second. */
  current(): GpuReading {
    return this.reading;
  }

  /** SM clock under load relative to boost, as the faults leave it (1 when healthy). */
  clockFactor(): number {
    return this.faultClock;
  }

  private noise(k: number, field: number): number {
    return normalAt(this.noiseSeed, k - this.firstTick, field);
  }

  private step(k: number, running: number, f: GpuFaults): GpuReading {
    const p = this.product;
    const rel = k - this.firstTick;
    let busy = 1 - Math.exp(-BUSY_PER_SEQUENCE * running);
    // Another tenant's kernels: busy time without our work, and no throttling.
    if (f.noisyNeighbour > 0) busy += (1 - busy) * 0.6 * f.noisyNeighbour;
    this.util += (busy - this.util) * (1 - Math.exp(-1 / UTIL_TAU_S));
    const u = clamp(this.util + 0.004 * this.noise(k, 0), 0, 1);

    let throttle = 0;
    let clockRatio = 1;
    if (f.thermal > 0) {
      clockRatio = 1 - (0.3 + 0.15 * f.thermal);
      throttle |= THROTTLE.hwSlowdown | THROTTLE.hwThermal;
    }
    let dynamic = (0.82 * p.tdpW - p.idleW) * u * clockRatio * clockRatio;
    const limit = f.powerCap > 0 ? Math.round(p.tdpW * (1 - 0.5 * f.powerCap)) : p.tdpW;
    let capFactor = 1;
    if (f.powerCap > 0) {
      // The cap binds under load: clocks come down until the draw fits, never as far as thermal slowdown takes them.
      const allowed = limit * 0.98 - p.idleW;
      if (dynamic > allowed) {
        capFactor = Math.max(0.78, Math.sqrt(allowed / dynamic));
        dynamic = allowed;
        throttle |= THROTTLE.swPowerCap;
      }
    }
    this.faultClock = clockRatio * capFactor;
    const boostShare = clamp(u * 4, 0, 1);
    let sm = (p.idleSmMhz + (p.boostSmMhz - p.idleSmMhz) * boostShare) * clockRatio * capFactor;
    sm = Math.round((sm * (1 + 0.003 * this.noise(k, 1))) / 15) * 15;
    sm = clamp(sm, p.idleSmMhz, p.boostSmMhz);
    if (u < 0.02) throttle |= THROTTLE.gpuIdle;
    const power = Math.max(p.idleW * 0.8, (p.idleW + dynamic) * (1 + 0.012 * this.noise(k, 2)));
    this.energyMj += power * TICK_MS;

    // A thermal fault is a cooling failure: the GPU runs 15-20 °C hotter than its load alone would make it, even
    // though the slowdown cuts its power.
    const heatW = f.thermal > 0 ? p.idleW + (0.82 * p.tdpW - p.idleW) * u : power;
    const target = this.ambientC + this.heatCPerW * heatW + (f.thermal > 0 ? 15 + 5 * f.thermal : 0);
    if (rel > 0) this.temp += (target - this.temp) * (1 - Math.exp(-1 / THERMAL_TAU_S));
    const gpuTemp = this.temp + 0.35 * this.noise(k, 3);

    // Counters: uncorrectable ECC adds a double-bit error at once and more now and then; NVLink CRC errors stream in.
    if (f.ecc > 0) {
      if (!this.wasEcc) this.eccDbe += 1;
      this.eccDbe += poissonAt(this.noiseSeed, rel, 11, f.ecc / 90);
      this.eccSbe += poissonAt(this.noiseSeed, rel, 12, 0.3 * f.ecc);
    }
    this.wasEcc = f.ecc > 0;
    if (f.nvlink > 0) this.nvlink += poissonAt(this.noiseSeed, rel, 13, 30 * f.nvlink);

    const vllmShare = this.id.replicaCount > 0 ? 0.9 : 0.004;
    let fbUsed = p.fbTotalMiB * vllmShare + 40 * this.noise(k, 4);
    if (f.noisyNeighbour > 0) fbUsed += p.fbTotalMiB * 0.06 * f.noisyNeighbour;
    fbUsed = Math.round(clamp(fbUsed, 0, p.fbTotalMiB - 300));
    const reserved = Math.min(600, Math.round(p.fbTotalMiB * 0.007));

    return {
      smClockMhz: sm,
      memClockMhz: u < 0.02 && running === 0 ? Math.round(p.memClockMhz * 0.5) : p.memClockMhz,
      gpuTempC: Math.round(gpuTemp),
      memTempC: Math.round(gpuTemp + 5 + 0.4 * this.noise(k, 5)),
      powerW: Math.round(power * 1000) / 1000,
      powerLimitW: limit,
      energyMj: Math.round(this.energyMj),
      utilPct: Math.round(u * 100),
      memCopyUtilPct: Math.round(clamp(u * 45 + 1.5 * this.noise(k, 6), 0, 100)),
      grEngineActive: Math.round(u * 0.96 * 1e6) / 1e6,
      dramActive: Math.round(clamp(u * 0.55 + 0.01 * this.noise(k, 7), 0, 1) * 1e6) / 1e6,
      fbUsedMiB: fbUsed,
      fbFreeMiB: p.fbTotalMiB - fbUsed - reserved,
      fbTotalMiB: p.fbTotalMiB,
      throttleReasons: throttle,
      xid: f.offBus ? 79 : f.eccXid,
      eccSbe: this.eccSbe,
      eccDbe: this.eccDbe,
      nvlinkCrcFlit: this.nvlink,
      offBus: f.offBus,
    };
  }
}
