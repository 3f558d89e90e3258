/**
 * Peak RSS per function: a fresh Node process imports the built bundle, handles one representative event
 * against the local endpoints, then reads process.resourceUsage().maxRSS. The SDK floor of the same client
 * set (import + construct only) is measured the same way for reference.
 */
import type { BenchInfra } from './infra.js';
import { runChild } from './child.js';
import { representativeEvents } from './events.js';
import type { Floor } from './floors.js';

export interface MemoryRow {
  fn: string;
  what: string;
  status: string;
  ms: number;
  maxRssMB: number;
  floorRssMB?: number;
  response: string;
}

export async function measureMemory(
  functions: string[],
  infra: BenchInfra,
  floors: Map<string, Floor>,
): Promise<MemoryRow[]> {
  const rows: MemoryRow[] = [];
  const floorRss = new Map<string, number>();
  for (const floor of floors.values()) {
    if (floorRss.has(floor.file)) continue;
    const r = await runChild<{ maxRssKB: number }>(
      { name: `floor-${floor.key}`, mode: 'floor', bundle: floor.file },
      infra.env,
    );
    floorRss.set(floor.file, r.maxRssKB);
  }
  for (const name of functions) {
    const def = infra.fn(name);
    const known = representativeEvents(name, def);
    if (!known) throw new Error(`bench: no representative event for ${name} (bench/events.ts)`);
    const { events, what } = known;
    const r = await runChild<{ maxRssKB: number; status: string; ms: number; response: string }>(
      { name, mode: 'memory', bundle: `dist/${name}/index.mjs`, events, timeoutSec: def?.timeoutSec ?? 10 },
      infra.env,
    );
    const floor = floors.get(name);
    rows.push({
      fn: name,
      what,
      status: String(r.status),
      ms: Math.round(r.ms),
      maxRssMB: Math.round(r.maxRssKB / 102.4) / 10,
      floorRssMB: floor ? Math.round(floorRss.get(floor.file)! / 102.4) / 10 : undefined,
      response: r.response,
    });
  }
  return rows;
}
