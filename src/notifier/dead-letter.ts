/**
 * The dead-letter record: every notification given up on (retries exhausted, refused with a 4xx, or
 * still undelivered when Strata stopped) is appended as one JSON line to
 * `<dir>/notifications.dead-letter.jsonl`, with what was to be sent, so it can be read or replayed.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { IncidentChange } from '../incidents/types.js';

export const DEAD_LETTER_FILE = 'notifications.dead-letter.jsonl';

export interface DeadLetter {
  /** Wall time of the give-up, RFC 3339. */
  readonly time: string;
  readonly receiver: string;
  readonly type: string;
  readonly url: string;
  readonly incidentId: string;
  readonly change: IncidentChange;
  readonly error: string;
  /** Attempts made (0: stopped before the first). */
  readonly attempts: number;
  /** The receiver's last HTTP status; null after a network error. */
  readonly status: number | null;
  /** The body that was to be POSTed. */
  readonly payload: unknown;
}

/** Appends dead letters in order; a write failure is reported through `log`, never thrown. */
export class DeadLetterLog {
  readonly path: string;
  private chain: Promise<void> = Promise.resolve();
  private dirReady = false;

  constructor(readonly dir: string, private readonly log: (message: string) => void = () => {}) {
    this.path = join(dir, DEAD_LETTER_FILE);
  }

  write(letter: DeadLetter): Promise<void> {
    const line = `${JSON.stringify(letter)}\n`;
    this.chain = this.chain.then(async () => {
      try {
        if (!this.dirReady) {
          await mkdir(this.dir, { recursive: true });
          this.dirReady = true;
        }
        await appendFile(this.path, line, 'utf8');
      } catch (err) {
        this.log(`alerting: cannot write the dead letter for ${letter.receiver} to ${this.path}: ${(err as Error).message}`);
      }
    });
    return this.chain;
  }

  /** Resolves when every dead letter written so far is on disk. */
  flush(): Promise<void> {
    return this.chain;
  }
}
