/**
 * A host's `/metrics` in NVIDIA dcgm-exporter's format: one family per DCGM field, one sample per GPU,
 * labelled as the exporter labels them (`gpu`, `UUID`, `pci_bus_id`, `device`, `modelName`, `Hostname`,
 * `DCGM_FI_DRIVER_VERSION`), floats printed as `%f`. A GPU that fell off the bus (XID 79) keeps only its
 * XID field: the exporter can no longer read the others.
 */
import type { GpuReading } from './gpu-state.js';
import { escapeLabel } from './vllm-exposition.js';

export const DRIVER_VERSION = '550.90.07';
/** PCI bus numbers of the GPU slots of a typical 8-GPU server, in index order. */
const BUS = ['18', '2A', '3A', '5D', '9A', 'AB', 'BA', 'DB'];

export interface DcgmGpu {
  /** Its label set as written between the braces ({@link dcgmLabels}, built once per GPU). */
  readonly labels: string;
  readonly reading: GpuReading;
}

type Field = readonly [name: string, type: 'gauge' | 'counter', help: string, value: (r: GpuReading) => string];

const int = (n: number): string => String(Math.round(n));
const float = (n: number): string => n.toFixed(6);

const FIELDS: readonly Field[] = [
  ['DCGM_FI_DEV_SM_CLOCK', 'gauge', 'SM clock frequency (in MHz).', (r) => int(r.smClockMhz)],
  ['DCGM_FI_DEV_MEM_CLOCK', 'gauge', 'Memory clock frequency (in MHz).', (r) => int(r.memClockMhz)],
  ['DCGM_FI_DEV_MEMORY_TEMP', 'gauge', 'Memory temperature (in C).', (r) => int(r.memTempC)],
  ['DCGM_FI_DEV_GPU_TEMP', 'gauge', 'GPU temperature (in C).', (r) => int(r.gpuTempC)],
  ['DCGM_FI_DEV_POWER_USAGE', 'gauge', 'Power draw (in W).', (r) => float(r.powerW)],
  ['DCGM_FI_DEV_POWER_MGMT_LIMIT', 'gauge', 'Power management limit (in W).', (r) => float(r.powerLimitW)],
  ['DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION', 'counter', 'Total energy consumption since boot (in mJ).', (r) => int(r.energyMj)],
  ['DCGM_FI_DEV_PCIE_REPLAY_COUNTER', 'counter', 'Total number of PCIe retries.', () => '0'],
  ['DCGM_FI_DEV_GPU_UTIL', 'gauge', 'GPU utilization (in %).', (r) => int(r.utilPct)],
  ['DCGM_FI_DEV_MEM_COPY_UTIL', 'gauge', 'Memory utilization (in %).', (r) => int(r.memCopyUtilPct)],
  ['DCGM_FI_DEV_ENC_UTIL', 'gauge', 'Encoder utilization (in %).', () => '0'],
  ['DCGM_FI_DEV_DEC_UTIL', 'gauge', 'Decoder utilization (in %).', () => '0'],
  ['DCGM_FI_DEV_XID_ERRORS', 'gauge', 'Value of the last XID error encountered.', (r) => int(r.xid)],
  ['DCGM_FI_DEV_FB_FREE', 'gauge', 'Framebuffer memory free (in MiB).', (r) => int(r.fbFreeMiB)],
  ['DCGM_FI_DEV_FB_USED', 'gauge', 'Framebuffer memory used (in MiB).', (r) => int(r.fbUsedMiB)],
  ['DCGM_FI_DEV_ECC_SBE_VOL_TOTAL', 'counter', 'Total number of single-bit volatile ECC errors.', (r) => int(r.eccSbe)],
  ['DCGM_FI_DEV_ECC_DBE_VOL_TOTAL', 'counter', 'Total number of double-bit volatile ECC errors.', (r) => int(r.eccDbe)],
  ['DCGM_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL', 'counter', 'Total number of NVLink flow-control CRC errors.', (r) => int(r.nvlinkCrcFlit)],
  ['DCGM_FI_DEV_CLOCK_THROTTLE_REASONS', 'gauge', 'Current clock throttle reasons (bitmask).', (r) => int(r.throttleReasons)],
  ['DCGM_FI_PROF_GR_ENGINE_ACTIVE', 'gauge', 'Ratio of time the graphics engine is active.', (r) => float(r.grEngineActive)],
  ['DCGM_FI_PROF_DRAM_ACTIVE', 'gauge', 'Ratio of cycles the device memory interface is active.', (r) => float(r.dramActive)],
];

/** The labels dcgm-exporter puts on every sample of a GPU. */
export function dcgmLabels(host: string, gpu: { readonly uuid: string; readonly index: number; readonly model: string }): string {
  const bus = BUS[gpu.index % BUS.length];
  return (
    `gpu="${gpu.index}",UUID="${escapeLabel(gpu.uuid)}",pci_bus_id="00000000:${bus}:00.0",device="nvidia${gpu.index}",` +
    `modelName="${escapeLabel(gpu.model)}",Hostname="${escapeLabel(host)}",DCGM_FI_DRIVER_VERSION="${DRIVER_VERSION}"`
  );
}

/** The exposition of one host's GPUs. */
export function dcgmExposition(gpus: readonly DcgmGpu[]): string {
  const out: string[] = [];
  for (const [name, type, help, value] of FIELDS) {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (let i = 0; i < gpus.length; i++) {
      const r = gpus[i].reading;
      if (r.offBus && name !== 'DCGM_FI_DEV_XID_ERRORS') continue;
      out.push(`${name}{${gpus[i].labels}} ${value(r)}`);
    }
  }
  out.push('');
  return out.join('\n');
}
