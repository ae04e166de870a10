import type { AnyValue, Attributes, Scope } from '../receivers/otlp/types.js';
import type { EntityLinks } from './entity.js';

/** A log record (or OTel event: eventName set) with its resource and scope. */
export interface LogRecord {
  readonly timeUnixNano: bigint;
  readonly observedTimeUnixNano: bigint;
  readonly severityNumber: number;
  readonly severityText: string;
  readonly body: AnyValue;
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
  readonly flags: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly eventName: string;
  readonly service: string;
  readonly resource: Attributes;
  readonly scope: Scope;
  readonly entities: EntityLinks;
}
