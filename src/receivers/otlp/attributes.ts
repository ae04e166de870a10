/**
 * Helpers shared by the OTLP decoders for building {@link Attributes} objects.
 */
import type { AnyValue, Attributes } from './types.js';

/** Deepest nesting of AnyValue (arrays and kvlists) a decoder accepts before rejecting the request. */
export const MAX_ANY_VALUE_DEPTH = 64;

/**
 * Sets one attribute; a later duplicate key replaces the earlier one. The key `__proto__`
 * is stored as an ordinary own property rather than changing the object's prototype.
 */
export function setAttribute(attrs: Attributes, key: string, value: AnyValue): void {
  if (key === '__proto__') {
    Object.defineProperty(attrs, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    attrs[key] = value;
  }
}
