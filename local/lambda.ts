/**
 * Loading and invoking handlers the way Lambda does: a fresh context per invocation with a deadline from
 * the function's timeout in serverless.yml, and one module instance per function (cold start once).
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import type { FunctionDef } from './serverlessYml.js';

export type AnyHandler = (event: unknown, context: Context) => Promise<unknown>;

export function makeContext(fn: FunctionDef, service: string): Context {
  const deadline = Date.now() + fn.timeoutSec * 1000;
  const name = `${service}-local-${fn.name}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * `dist/<fn>/index.handler` → the built bundle (what `npm start` runs, the same artifact as deployed),
 * or with `source: 'src'` → `functions/<fn>/handler.ts` (tests, where vitest compiles TypeScript).
 */
export async function loadHandler(fn: FunctionDef, source: 'dist' | 'src'): Promise<AnyHandler> {
  const [file, exportName = 'handler'] = splitHandler(fn.handler);
  const path = source === 'dist' ? `${file}.mjs` : `functions/${fn.name}/handler.ts`;
  const mod = (await import(pathToFileURL(resolve(path)).href)) as Record<string, unknown>;
  const handler = mod[exportName];
  if (typeof handler !== 'function') throw new Error(`${path} has no export "${exportName}"`);
  return handler as AnyHandler;
}

function splitHandler(h: string): [string, string] {
  const i = h.lastIndexOf('.');
  return [h.slice(0, i), h.slice(i + 1)];
}
