/**
 * The local stack as the maintenance-window flows test it: the reconciler reading a windows file the test
 * writes, its every-minute schedule run every 2 s, failed records back after 1 s, and every line the functions
 * log collected (they log to stdout) so a test can look for a log line.
 */
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { vi } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.js';

export async function startWindowsStack(opts: {
  windowsFile: string;
  lines: string[];
  logLevel: 'info' | 'warn';
}): Promise<LocalStack> {
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    opts.lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  });
  return startLocalStack({
    handlerSource: 'src',
    windowsFile: opts.windowsFile,
    scheduleEverySeconds: 2,
    env: { LOG_LEVEL: opts.logLevel },
    retryDelaySeconds: 1,
  });
}

export async function stopWindowsStack(stack: LocalStack | undefined): Promise<void> {
  await stack?.stop();
  vi.restoreAllMocks();
}

/** The audit records of `action` among the collected log lines. */
export const auditsIn = (lines: string[], action: string) =>
  lines
    .filter((l) => l.includes('"type":"audit"'))
    .map((l) => JSON.parse(l) as Record<string, any>)
    .filter((a) => a.action === action);

/** The declared maintenances as the ledger item holds them (read raw, not through the store under test). */
export async function declaredIn(stack: LocalStack): Promise<Array<Record<string, any>>> {
  const r = await stack.dynamo.client.send(
    new QueryCommand({
      TableName: stack.dynamo.tableNames.IncidentLedger,
      KeyConditionExpression: '#k = :k',
      ExpressionAttributeNames: { '#k': 'key' },
      ExpressionAttributeValues: { ':k': { S: 'declared-windows' } },
    }),
  );
  const doc = r.Items?.[0]?.doc?.S;
  return doc ? (JSON.parse(doc) as { declarations: Array<Record<string, any>> }).declarations : [];
}
