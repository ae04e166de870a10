/**
 * The monitor seam (layer 3, behavioural monitoring): one interface for every monitor, deterministic or
 * not. A monitor reads a span's reasoning, its actions (tool calls) and its final output, and answers with
 * a flag, a score in [0, 1], the text spans that led to it, and what it cost.
 */

/** One action (tool call) the model took: its name and its arguments as text (usually JSON). */
export interface MonitorAction {
  readonly name: string;
  readonly arguments: string;
}

/** What a monitor reads. `task` (the prompt or task statement) is optional. */
export interface MonitorInput {
  readonly reasoning: string;
  readonly actions: readonly MonitorAction[];
  readonly output: string;
  readonly task?: string;
}

/** Where an evidence span lies. For `actions`, offsets are into {@link actionsText} of the input's actions. */
export type EvidenceSource = 'reasoning' | 'output' | 'actions';

/** A span of text that led to a result: `sourceText.slice(start, end) === text`. */
export interface Evidence {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly source: EvidenceSource;
  /** The rule (or proxy) that matched, when the monitor has several. */
  readonly rule?: string;
}

/** What a run cost: model tokens spent (0 for deterministic monitors) and wall time. */
export interface MonitorCost {
  readonly tokens: number;
  readonly ms: number;
}

export interface MonitorResult {
  /** The monitor's registered name. */
  readonly monitor: string;
  readonly flag: boolean;
  /** In [0, 1]; higher means more likely misbehaviour (or less legible). */
  readonly score: number;
  readonly evidence: readonly Evidence[];
  readonly cost: MonitorCost;
  /** Sub-scores and measurements, by name (legibility's proxies, for example). */
  readonly metrics?: Readonly<Record<string, number>>;
}

/** What a monitor reads: the chain of thought only, the actions only, or everything. */
export type MonitorScope = 'cot' | 'action' | 'all';

/**
 * A monitor. `run` never throws on odd input (empty strings, no actions): it returns an unflagged result.
 * Deterministic monitors answer synchronously; model-backed ones return a Promise.
 *
 * @example
 * const result = monitor.run({ reasoning, actions: [], output });
 * if (result.flag) alarm(result.evidence);
 */
export interface Monitor {
  readonly name: string;
  readonly scope: MonitorScope;
  run(input: MonitorInput): MonitorResult | Promise<MonitorResult>;
}

/**
 * The text that `actions` evidence offsets point into: each action as `name(arguments)`, one a line.
 *
 * @example actionsText([{ name: 'bash', arguments: '{"cmd":"ls"}' }]) === 'bash({"cmd":"ls"})'
 */
export function actionsText(actions: readonly MonitorAction[]): string {
  if (actions.length === 0) return '';
  let out = '';
  for (let i = 0; i < actions.length; i++) {
    if (i > 0) out += '\n';
    out += `${actions[i].name}(${actions[i].arguments})`;
  }
  return out;
}

/** The text an evidence span points into. */
export function evidenceSourceText(input: MonitorInput, source: EvidenceSource): string {
  if (source === 'reasoning') return input.reasoning;
  if (source === 'output') return input.output;
  return actionsText(input.actions);
}
