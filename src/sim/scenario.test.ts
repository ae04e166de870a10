import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_KV_TOKENS_PER_GPU, loadScenario, loadScenarioFile, ScenarioError, type Scenario } from './scenario.js';

const SMALL = fileURLToPath(new URL('./testdata/small-fleet.yaml', import.meta.url));

const BASE = `
name: t
duration: 20m
topology:
  hosts:
    - name: h1
      gpus: [{ uuid: GPU-1 }, { uuid: GPU-2, model: NVIDIA A100-SXM4-80GB }]
  replicas:
    - { id: r1, host: h1, port: 8000, gpus: [GPU-1], model: m }
    - { id: r2, host: h1, port: 8001, gpus: [GPU-2], model: m, version: m-v2, calibration: 0.5, verbalized_confidence: true }
workload: { rate: 2 }
`;

function load(extra: string, base = BASE): Scenario {
  return loadScenario(base + extra, 'test.yaml');
}

/** The error a scenario text raises. */
function errorOf(text: string): ScenarioError {
  try {
    loadScenario(text, 'bad.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return err as ScenarioError;
  }
  throw new Error('expected a ScenarioError');
}

describe('loadScenario', () => {
  it('reads a scenario with its defaults', () => {
    const s = load('');
    expect(s.name).toBe('t');
    expect(s.seed).toBe(1);
    expect(s.startMs).toBe(Date.parse('2026-01-01T00:00:00Z'));
    expect(s.durationMs).toBe(20 * 60_000);
    expect(s.scrapeIntervalMs).toBe(10_000);
    expect(s.hosts[0].gpus.map((g) => [g.uuid, g.model, g.index])).toEqual([
      ['GPU-1', 'NVIDIA H100 80GB HBM3', 0],
      ['GPU-2', 'NVIDIA A100-SXM4-80GB', 1],
    ]);
    expect(s.replicas[0]).toMatchObject({ id: 'r1', version: 'm', calibration: 0.9, verbalizedConfidence: false, kvCacheTokens: DEFAULT_KV_TOKENS_PER_GPU });
    expect(s.replicas[1]).toMatchObject({ version: 'm-v2', calibration: 0.5, verbalizedConfidence: true });
    // Routes default to one per model; traffic to each route in proportion to its replicas.
    expect(s.routes).toEqual([{ model: 'm', replicas: ['r1', 'r2'] }]);
    expect(s.workload).toMatchObject({ rate: 2, schedule: [], reasoning: true, promptTokens: { mean: 600 }, models: [{ model: 'm', weight: 2 }] });
    expect(s.feedback).toEqual({ fraction: 0.3, lateFraction: 0.2, delayMs: 30_000, lateDelayMs: 600_000 });
    expect(s.faults).toEqual([]);
  });

  it('reads faults with end or duration, severity and the ECC XID', () => {
    const s = load(`
faults:
  - { type: gpu_thermal_slowdown, target: GPU-1, start: 6m, duration: 5m, severity: 0.7 }
  - { type: gpu_ecc_uncorrectable, target: GPU-2, start: 8m, end: 12m, xid: 94 }
  - { type: prompt_drift, start: 10m, end: 15m }
  - { type: reasoning_regression, target: m-v2, start: 7m, duration: 4m }
  - { type: telemetry_outage, target: h1, start: 9m, duration: 90s }
`);
    expect(s.faults).toEqual([
      { type: 'gpu_thermal_slowdown', target: 'GPU-1', startMs: 360_000, endMs: 660_000, severity: 0.7, xid: null },
      { type: 'gpu_ecc_uncorrectable', target: 'GPU-2', startMs: 480_000, endMs: 720_000, severity: 1, xid: 94 },
      { type: 'prompt_drift', target: null, startMs: 600_000, endMs: 900_000, severity: 1, xid: null },
      { type: 'reasoning_regression', target: 'm-v2', startMs: 420_000, endMs: 660_000, severity: 1, xid: null },
      { type: 'telemetry_outage', target: 'h1', startMs: 540_000, endMs: 630_000, severity: 1, xid: null },
    ]);
  });

  it('reads JSON, a schedule, routes and the workload mix', () => {
    const s = loadScenario(
      JSON.stringify({
        name: 'j',
        seed: 5,
        start: '2026-03-01T12:00:00Z',
        duration: '25m',
        topology: {
          hosts: [{ name: 'h', gpus: [{ uuid: 'GPU-a' }, { uuid: 'GPU-b' }] }],
          replicas: [
            { id: 'x', host: 'h', port: 1, gpus: ['GPU-a'], model: 'm1' },
            { id: 'y', host: 'h', port: 2, gpus: ['GPU-b'], model: 'm2' },
          ],
          routes: [{ model: 'm1', replicas: ['x'] }, { model: 'm2', replicas: ['y'] }],
        },
        workload: { rate: 1.5, schedule: [{ at: '10m', rate: 3 }], prompt_tokens: 300, output_tokens: { mean: 120 }, models: [{ model: 'm2', weight: 1 }], reasoning: false },
      }),
      'j.json',
    );
    expect(s.startMs).toBe(Date.parse('2026-03-01T12:00:00Z'));
    expect(s.workload.schedule).toEqual([{ atMs: 600_000, rate: 3 }]);
    expect(s.workload.promptTokens.mean).toBe(300);
    expect(s.workload.outputTokens.mean).toBe(120);
    expect(s.workload.models).toEqual([{ model: 'm2', weight: 1 }]);
    expect(s.workload.reasoning).toBe(false);
  });

  it('loads a file and names it after the file when the scenario has no name', () => {
    const s = loadScenarioFile(SMALL);
    expect(s.name).toBe('small-fleet');
    expect(s.source).toBe(SMALL);
    expect(loadScenario(BASE.replace('name: t\n', ''), 'dir/my-scenario.yaml').name).toBe('my-scenario');
  });
});

describe('bad scenario files: the error names the field', () => {
  const cases: [string, string, RegExp][] = [
    ['a fault start that is not a duration', `${BASE}faults:\n  - { type: gpu_power_cap, target: GPU-1, start: x, duration: 5m }\n`, /^bad\.yaml: faults\[0\]\.start: expected a duration such as 5m, 90s or 1h, got "x"$/],
    ['a bare number as a duration', BASE.replace('duration: 20m', 'duration: 20'), /^bad\.yaml: duration: expected a duration .*got 20 \(a bare number: write 20s or 20m\)$/],
    ['an unknown fault type', `${BASE}faults:\n  - { type: gpu_meltdown, target: GPU-1, start: 5m, duration: 5m }\n`, /^bad\.yaml: faults\[0\]\.type: unknown fault type "gpu_meltdown" \(known: gpu_thermal_slowdown, /],
    ['a fault target of the wrong kind', `${BASE}faults:\n  - { type: gpu_xid_79, target: r1, start: 5m, duration: 5m }\n`, /^bad\.yaml: faults\[0\]\.target: gpu_xid_79 needs a GPU uuid \(GPU-1, GPU-2\), got "r1"$/],
    ['a target on prompt drift', `${BASE}faults:\n  - { type: prompt_drift, target: r1, start: 5m, duration: 5m }\n`, /^bad\.yaml: faults\[0\]\.target: prompt_drift affects the whole fleet and takes no target$/],
    ['a fault past the end', `${BASE}faults:\n  - { type: bad_rollout, target: r1, start: 15m, duration: 10m }\n`, /^bad\.yaml: faults\[0\]\.duration: the fault ends at 25m, after the scenario's end \(20m\)$/],
    ['both end and duration', `${BASE}faults:\n  - { type: bad_rollout, target: r1, start: 5m, end: 9m, duration: 4m }\n`, /faults\[0\]\.duration: give exactly one of end and duration$/],
    ['an xid on another fault', `${BASE}faults:\n  - { type: gpu_power_cap, target: GPU-1, start: 5m, duration: 4m, xid: 48 }\n`, /faults\[0\]\.xid: only gpu_ecc_uncorrectable takes an xid$/],
    ['a severity out of range', `${BASE}faults:\n  - { type: gpu_power_cap, target: GPU-1, start: 5m, duration: 4m, severity: 2 }\n`, /faults\[0\]\.severity: expected a number in \(0, 1\], got 2$/],
    ['an unknown key', `${BASE}colour: blue\n`, /^bad\.yaml: colour: unknown key \(known: name, /],
    ['an unknown key deep inside', BASE.replace('model: m }', 'model: m, gpu_count: 2 }'), /^bad\.yaml: topology\.replicas\[0\]\.gpu_count: unknown key/],
    ['a replica on a GPU of another host', BASE.replace('  replicas:', '    - { name: h2, gpus: [{ uuid: GPU-9 }] }\n  replicas:').replace('gpus: [GPU-1], model: m }', 'gpus: [GPU-9], model: m }'), /topology\.replicas\[0\]\.gpus\[0\]: "GPU-9" is not a GPU of host h1/],
    ['a replica on an unknown host', BASE.replace('host: h1, port: 8000', 'host: h9, port: 8000'), /topology\.replicas\[0\]\.host: h9 is not a host of the topology \(hosts: h1\)/],
    ['two replicas on one port', BASE.replace('port: 8001', 'port: 8000'), /topology\.replicas\[1\]\.port: h1:8000 is used by another replica/],
    ['a calibration out of range', BASE.replace('calibration: 0.5', 'calibration: 1.5'), /topology\.replicas\[1\]\.calibration: expected a number in \[0, 1\], got 1\.5/],
    ['a GPU uuid without the GPU- prefix', BASE.replace('uuid: GPU-1 }', 'uuid: 1234 }'), /topology\.hosts\[0\]\.gpus\[0\]\.uuid: expected a GPU UUID such as GPU-/],
    ['a route naming a replica of another model', `${BASE.replace('workload:', 'workload_:').replace('workload_: { rate: 2 }', '')}  routes: [{ model: other, replicas: [r1] }]\nworkload: { rate: 2 }\n`, /topology\.routes\[0\]\.replicas\[0\]: replica r1 serves m, not other/],
    ['a task difficulty out of range', BASE.replace('workload: { rate: 2 }', 'workload: { rate: 2, tasks: [{ name: a, difficulty: 3 }] }'), /workload\.tasks\[0\]\.difficulty: expected a number in \[0, 1\], got 3/],
    ['a negative rate', BASE.replace('rate: 2', 'rate: -1'), /workload\.rate: expected requests per second in \[0, 10000\], got -1/],
    ['a schedule going back in time', BASE.replace('rate: 2 }', 'rate: 2, schedule: [{ at: 10m, rate: 3 }, { at: 5m, rate: 1 }] }'), /workload\.schedule\[1\]\.at: must come after the previous point \(10m\)/],
    ['a start without a zone', `${BASE}start: 2026-01-01T00:00:00\n`, /^bad\.yaml: start: expected an ISO 8601 time with a zone/],
    ['no workload', BASE.replace('workload: { rate: 2 }\n', ''), /^bad\.yaml: workload: expected a mapping with at least rate, got nothing$/],
    ['not YAML', 'name: [unclosed', /^bad\.yaml: not valid YAML/],
    ['a list at the top', '- a\n- b\n', /^bad\.yaml: expected a mapping at the top of the scenario/],
  ];
  for (const [what, text, message] of cases)
    it(what, () => {
      const err = errorOf(text);
      expect(err.message).toMatch(message);
      expect(err.source).toBe('bad.yaml');
    });

  it('names the file it could not read', () => {
    expect(() => loadScenarioFile('/nonexistent/x.yaml')).toThrow(/^\/nonexistent\/x\.yaml: cannot read/);
  });
});
