/**
 * The service an observation belongs to.
 */
import type { Attributes } from '../receivers/otlp/types.js';
import { asString } from './attributes.js';

/**
 * The resource's `service.name` as a string: '' when absent or not a scalar; OTel's default
 * `unknown_service[:...]` is kept as sent.
 */
export function serviceName(resource: Attributes): string {
  return asString(resource['service.name']) ?? '';
}
