/**
 * Activation vectors the serving side attaches to a span, for the linear probes Strata applies
 * (docs/probes.md, "Activations").
 *
 * The default carrier is a span event `strata.probe.activations` with `strata.probe.layer` (int) and the
 * vector as `strata.probe.vector` (an OTLP array of doubles; ints accepted) or `strata.probe.vector_f32`
 * (base64 of little-endian float32s, what numpy's `x.astype('<f4').tobytes()` gives). A probe may name
 * another event, or a span attribute that holds the vector itself (array or base64 float32 string; its
 * layer is then the probe's).
 */
import type { SpanRecord } from '../model/span.js';
import type { AnyValue } from '../receivers/otlp/types.js';
import { isOtlpInt } from '../processors/attributes.js';
import { PROBE_LAYER, readLayer } from './readings.js';

export const ACTIVATIONS_EVENT = 'strata.probe.activations';
export const VECTOR_ATTRIBUTE = 'strata.probe.vector';
export const VECTOR_F32_ATTRIBUTE = 'strata.probe.vector_f32';

/** One activation vector found on a span, or why it could not be read. */
export type Activation =
  | { readonly ok: true; readonly layer: number | null; readonly vector: Float64Array }
  | { readonly ok: false; readonly layer: number | null; readonly reason: string };

/**
 * A vector from an OTLP array of numbers or a base64 float32 string; a reason when it is neither, is empty,
 * or holds NaN or ±Infinity (naming the first bad index).
 */
export function decodeVector(v: AnyValue | undefined, key: string): { ok: true; vector: Float64Array } | { ok: false; reason: string } {
  let out: Float64Array;
  if (Array.isArray(v)) {
    out = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const e = v[i];
      const n = isOtlpInt(e) ? Number(e.int) : typeof e === 'number' ? e : null;
      if (n === null) return { ok: false, reason: `${key}[${i}]: expected a number, got ${e === null ? 'an empty value' : typeof e}` };
      out[i] = n;
    }
  } else if (typeof v === 'string') {
    const bytes = Buffer.from(v, 'base64');
    if (bytes.length % 4 !== 0) return { ok: false, reason: `${key}: base64 float32 data of ${bytes.length} bytes is not a multiple of 4` };
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    out = new Float64Array(bytes.length / 4);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  } else {
    return { ok: false, reason: `${key}: expected an array of doubles or a base64 float32 string` };
  }
  if (out.length === 0) return { ok: false, reason: `${key}: empty vector` };
  for (let i = 0; i < out.length; i++) if (!Number.isFinite(out[i])) return { ok: false, reason: `${key}[${i}]: not a finite number (${out[i]})` };
  return { ok: true, vector: out };
}

/**
 * The activation vectors a span carries under `carrier` (an event name, else a span attribute name),
 * in event order. Events without a readable layer or vector come back with a reason.
 */
export function activationsOf(span: Pick<SpanRecord, 'attributes' | 'events'>, carrier: string = ACTIVATIONS_EVENT): Activation[] {
  const out: Activation[] = [];
  for (const e of span.events) {
    if (e.name !== carrier) continue;
    const layerValue = e.attributes[PROBE_LAYER];
    const layer = readLayer(layerValue);
    if (!layer.ok) {
      out.push({ ok: false, layer: null, reason: `${carrier} event: ${layer.reason}` });
      continue;
    }
    if (layer.value === null) {
      out.push({ ok: false, layer: null, reason: `${carrier} event: ${PROBE_LAYER}: required` });
      continue;
    }
    const f32 = e.attributes[VECTOR_F32_ATTRIBUTE];
    const decoded = f32 !== undefined ? decodeVector(f32, VECTOR_F32_ATTRIBUTE) : decodeVector(e.attributes[VECTOR_ATTRIBUTE], VECTOR_ATTRIBUTE);
    out.push(decoded.ok ? { ok: true, layer: layer.value, vector: decoded.vector } : { ok: false, layer: layer.value, reason: `${carrier} event: ${decoded.reason}` });
  }
  if (out.length === 0 && carrier !== ACTIVATIONS_EVENT) {
    const v = span.attributes[carrier];
    if (v !== undefined) {
      const decoded = decodeVector(v, carrier);
      out.push(decoded.ok ? { ok: true, layer: null, vector: decoded.vector } : { ok: false, layer: null, reason: decoded.reason });
    }
  }
  return out;
}
