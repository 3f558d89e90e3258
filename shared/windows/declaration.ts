/**
 * The policy-queue command a declared maintenance (a Statuspage maintenance, a Rootly scheduled incident) becomes
 * at the ingress. Kept apart from shared/windows/declared.ts, which holds the reconciler's side (and the DynamoDB
 * client the internet-facing function must not bundle).
 */
import type { Command, MaintenanceDeclareCommand } from '../commands/contract.js';
import { commandIdFor } from '../incidents/ingest.js';

/**
 * The `maintenance.declare` command for a maintenance. Its id is derived from the source, the maintenance, the
 * vendor's update time and the status, so a redelivery is the same command (SQS drops it within 5 minutes; after
 * that the recorded `updatedAt` makes it a no-op), while two states stamped with the same time stay two commands.
 */
export function declareCommand(m: MaintenanceDeclareCommand['maintenance']): Command {
  return {
    id: commandIdFor(m.source, `maintenance:${m.id}:${m.updatedAt}:${m.status}`),
    type: 'maintenance.declare',
    maintenance: m,
    requestedBy: { kind: 'window', id: `${m.source}:${m.id}` },
    correlationId: `${m.source}:${m.id}`,
  };
}
