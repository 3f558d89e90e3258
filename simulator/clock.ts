/**
 * Simulated time. `scale` speeds time up (scale 60: one real second is one simulated minute) so deep traces
 * and token expiry can be observed in tests and demos; `advance` jumps ahead. All simulator state uses it.
 */
export class SimClock {
  private readonly startReal = Date.now();
  private readonly startSim: number;
  private offsetMs = 0;

  constructor(
    public scale = 1,
    startAtMs = Date.now(),
  ) {
    this.startSim = startAtMs;
  }

  nowMs(): number {
    return this.startSim + (Date.now() - this.startReal) * this.scale + this.offsetMs;
  }

  nowSec(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
