/**
 * Linear probes: score = link(w · x + b), an alarm when score ≥ threshold (docs/probes.md, "Linear probes").
 *
 * The serving side ships activation vectors; Strata holds the weights (from configuration) and applies
 * them, so a probe can be changed without redeploying the model server.
 */

export type LinkFunction = 'sigmoid' | 'identity';
export const LINK_FUNCTIONS: readonly LinkFunction[] = ['sigmoid', 'identity'];

/** A linear probe, validated (weights finite and non-empty, threshold and bias finite). */
export interface LinearProbe {
  readonly name: string;
  /** The model layer whose activations the probe reads. */
  readonly layer: number;
  readonly weights: Float64Array;
  readonly bias: number;
  readonly threshold: number;
  /** The event (or span attribute) name that carries the activation vector. */
  readonly activation: string;
  readonly link: LinkFunction;
}

/** The answer of {@link scoreLinear}: the score, or why the vector cannot be scored by this probe. */
export type LinearScore =
  | { readonly ok: true; readonly logit: number; readonly score: number; readonly alarm: boolean }
  | { readonly ok: false; readonly reason: string };

/** The logistic function 1 / (1 + e^-z), computed without overflow for large |z|. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/**
 * Applies a probe to one activation vector. The vector must have exactly the weights' dimension and hold
 * only finite numbers; the reason names the probe, the expected and the received dimension.
 *
 * @example
 * scoreLinear({ name: 'lie', layer: 12, weights: Float64Array.of(1, -1), bias: 0.5, threshold: 0.5, activation: 'strata.probe.activations', link: 'sigmoid' }, [2, 1])
 * // { ok: true, logit: 1.5, score: sigmoid(1.5) ≈ 0.8176, alarm: true }
 */
export function scoreLinear(probe: LinearProbe, vector: ArrayLike<number>): LinearScore {
  const w = probe.weights;
  if (vector.length !== w.length)
    return { ok: false, reason: `probe ${probe.name}: activation vector has ${vector.length} dimensions, expected ${w.length} (layer ${probe.layer})` };
  let z = probe.bias;
  for (let i = 0; i < w.length; i++) {
    const x = vector[i];
    if (!Number.isFinite(x)) return { ok: false, reason: `probe ${probe.name}: activation [${i}] is not a finite number (${x})` };
    z += w[i] * x;
  }
  // Finite inputs can still overflow the sum.
  if (!Number.isFinite(z)) return { ok: false, reason: `probe ${probe.name}: w·x + b is not finite (${z})` };
  const score = probe.link === 'sigmoid' ? sigmoid(z) : z;
  return { ok: true, logit: z, score, alarm: score >= probe.threshold };
}
