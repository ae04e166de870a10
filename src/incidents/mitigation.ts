/**
 * What to do about an incident: one suggested mitigation per fault type, naming the entity blamed.
 */
import type { FaultType } from '../model/faults.js';
import { entityLabel } from './describe.js';

const MITIGATIONS: Record<FaultType, (who: string) => string> = {
  gpu_thermal_slowdown: (who) => `Drain the replicas on ${who} and check its cooling (fans, airflow, inlet temperature); return it to service once clocks recover.`,
  gpu_power_cap: (who) => `Check the power limit of ${who} (nvidia-smi -q -d POWER) and the node's power budget; raise the cap or move load off it.`,
  gpu_xid_79: (who) => `${who} fell off the bus: drain its replicas, reset the GPU (or reboot the node) and replace it if XID 79 recurs.`,
  gpu_ecc_uncorrectable: (who) => `Drain the replicas on ${who} (their outputs may be corrupted), reset the GPU to retire the bad pages, and replace it if uncorrectable errors recur.`,
  nvlink_errors: (who) => `Drain the multi-GPU replicas using ${who}, reset the GPU or reseat its NVLink bridge, and check the link error counters (nvidia-smi nvlink -e).`,
  kv_cache_exhaustion: (who) => `Relieve the KV cache of ${who}: lower max-num-seqs or max-model-len, add KV capacity (gpu-memory-utilization, more replicas), or shed load.`,
  noisy_neighbour: (who) => `Another workload shares ${who}: move it elsewhere, isolate the GPU (MIG or exclusive compute mode), or drain the replica.`,
  bad_rollout: (who) => `Roll back ${who} to the previous model version (check the weights and quantisation it loaded) and compare its calibration with the others.`,
  prompt_drift: () => 'The input distribution changed across the fleet: look at what clients now send (task mix, prompt lengths, languages); recalibrate confidence on recent feedback rather than touching the hardware.',
  chat_template_misconfig: (who) => `Check the chat template of ${who} (tokenizer_config / --chat-template) against the model's; redeploy it with the right one.`,
  reasoning_regression: (who) => `Roll back ${who} or hold its rollout; review the flagged reasoning traces (GET /api/monitors/results) before promoting it again.`,
  probe_alarm: (who) => `Quarantine ${who}: compare its outputs with another replica on the flagged requests and check its weights for tampering (a backdoor trigger).`,
  telemetry_outage: (who) => `No telemetry from ${who}: check the scrape target (exporter running, network, credentials); nothing is known to be wrong with what it watches.`,
};

/** The suggested mitigation of a cause. */
export function mitigationFor(faultType: FaultType, entity: string): string {
  return MITIGATIONS[faultType](entityLabel(entity));
}
