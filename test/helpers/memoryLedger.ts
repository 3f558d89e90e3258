/**
 * An in-memory LedgerStore with the DynamoDB store's semantics: versioned conditional writes (a stale version
 * is a LedgerConflictError), and a pending index holding exactly the records that need work. The DynamoDB
 * store itself is tested against dynalite (test/integration/ledger-store.test.ts).
 */
import { needsWork, type IncidentRecord } from '../../shared/ledger/record.js';
import { LedgerConflictError, type LedgerStore } from '../../shared/ledger/store.js';

export function memoryLedger() {
  const items = new Map<string, IncidentRecord>();
  const copy = (r: IncidentRecord) => structuredClone(r);
  const store: LedgerStore = {
    get: async (key) => {
      const r = items.get(key);
      return r && copy(r);
    },
    put: async (record) => {
      if ((items.get(record.key)?.version ?? 0) !== record.version) throw new LedgerConflictError(record.key);
      const saved = { ...copy(record), version: record.version + 1 };
      items.set(record.key, saved);
      return copy(saved);
    },
    listPending: async () => [...items.values()].filter(needsWork).map(copy),
  };
  return { store, items };
}
