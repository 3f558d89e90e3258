/**
 * ZDX score analysis (docs/zscaler-api.md §3.4): `POST /analysis {device_id, app_id, t0, t1}` starts one and
 * `GET /analysis/{id}` reads `{err_msg, result:{issue, confidence, message, times}}`; `DELETE /analysis/{id}` stops
 * it. ZDX documents neither the start reply nor an unfinished read, so both are our choice: the start answers
 * `{analysis_id}`, and until `delayMs` of simulated time has passed a read answers `{err_msg: "", result: null}`.
 * The verdict is the device's planted fault (plantedFaults.ts), or "no issue" for a healthy device.
 */
import type { SimClock } from '../clock.js';
import { json, type Router } from '../router.js';
import type { ZdxContext } from './devices.js';
import { ANALYSIS_RESULTS } from './plantedFaults.js';
import { zdxError } from './query.js';

/** Simulated time an analysis takes unless the `analysisDelayMs` option says otherwise. */
export const ANALYSIS_DELAY_MS = 1_500;
const FIRST_ANALYSIS_ID = 7_700_001;

interface Analysis {
  id: number;
  deviceId: number;
  appId: number;
  t0: number;
  t1: number;
  readyMs: number;
}

export class AnalysisStore {
  private analyses = new Map<number, Analysis>();
  private nextId = FIRST_ANALYSIS_ID;

  constructor(
    private readonly clock: SimClock,
    private readonly delayMs: number,
  ) {}

  create(a: Omit<Analysis, 'id' | 'readyMs'>): Analysis {
    const full = { ...a, id: this.nextId++, readyMs: this.clock.nowMs() + this.delayMs };
    this.analyses.set(full.id, full);
    return full;
  }

  get(id: number): Analysis | undefined {
    return this.analyses.get(id);
  }

  delete(id: number): boolean {
    return this.analyses.delete(id);
  }

  count(): number {
    return this.analyses.size;
  }

  reset(): void {
    this.analyses.clear();
    this.nextId = FIRST_ANALYSIS_ID;
  }
}

const epochSec = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 0;

export function registerAnalysisRoutes(router: Router, ctx: ZdxContext, store: AnalysisStore): void {
  const find = (raw: string | undefined) => (raw && /^\d+$/.test(raw) ? store.get(Number(raw)) : undefined);
  router
    .add('POST', '/analysis', (req) => {
      const b = req.body as Record<string, unknown> | undefined;
      if (!b || typeof b !== 'object' || Array.isArray(b)) return zdxError(400, 'Request body must be a JSON object');
      const device = typeof b.device_id === 'number' ? ctx.device(b.device_id) : undefined;
      if (!device) return zdxError(400, 'device_id must name a device');
      if (typeof b.app_id !== 'number' || !ctx.seed.apps.some((a) => a.id === b.app_id))
        return zdxError(400, 'app_id must name an app');
      if (!epochSec(b.t0) || !epochSec(b.t1) || (b.t0 as number) >= (b.t1 as number))
        return zdxError(400, 't0 and t1 must be epoch seconds with t0 before t1');
      ctx.touch(device.id);
      const a = store.create({ deviceId: device.id, appId: b.app_id, t0: b.t0 as number, t1: b.t1 as number });
      return json(200, { analysis_id: String(a.id) });
    })
    .add('GET', '/analysis/:analysisId', (req) => {
      const a = find(req.params.analysisId);
      if (!a) return zdxError(404, `Analysis ${req.params.analysisId} not found`);
      if (ctx.clock.nowMs() < a.readyMs) return json(200, { err_msg: '', result: null });
      const fault = ctx.faultOf?.(a.deviceId);
      const verdict = ANALYSIS_RESULTS[fault ?? 'none'];
      return json(200, { err_msg: '', result: { ...verdict, times: fault ? [a.t0, a.t1] : [] } });
    })
    .add('DELETE', '/analysis/:analysisId', (req) => {
      const a = find(req.params.analysisId);
      if (!a) return zdxError(404, `Analysis ${req.params.analysisId} not found`);
      store.delete(a.id);
      return json(200, { analysis_id: String(a.id) });
    });
}
