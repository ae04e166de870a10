/**
 * The project's chDB store opened in the benchmark process, closed safely on every way out: on
 * SIGINT the in-flight native work is drained before the process exits or its directory is removed
 * (exiting under a running chDB query crashes the process).
 */
import { drainPending } from 'chdb';
import { createChdbStore } from '../../src/storage/chdb-store.js';
import type { Store } from '../../src/storage/types.js';
import { onCleanup } from './cleanup.js';

export function openChdbStore(dataDir: string, db: string): Store {
  const store = createChdbStore(dataDir, db);
  const release = onCleanup(
    `chdb store ${dataDir}`,
    () => {},
    async () => {
      await store.close();
      await drainPending();
    },
  );
  return { ...store, kind: store.kind, close: release };
}

/** Rows in `strata.spans` of a stopped server's data directory (read once with an embedded store). */
export async function countStoredSpans(dataDir: string): Promise<number> {
  const store = openChdbStore(dataDir, 'strata');
  try {
    const [row] = await store.query<{ n: number }>('SELECT count() AS n FROM strata.spans');
    return Number(row.n);
  } finally {
    await store.close();
  }
}
