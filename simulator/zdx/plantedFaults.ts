/**
 * Planted faults: a device whose deep traces show one known kind of trouble, so that a report's diagnosis can be
 * checked against what was planted. Each fault changes only the numbers of the documented result shapes
 * (docs/zscaler-api.md §3.2), never the shapes, and ZDX's score analysis of the device names the same trouble.
 *
 *  - `wifi`: a lossy Wi-Fi / client leg: weak signal, loss and latency on Client → Egress, from the first hop on;
 *  - `server`: the web probe's server time is slow (the page fetch with it);
 *  - `isp`: a congested ISP hop: latency and loss start at hop 3 (the ISP core) and the Egress → ZIA Service Edge
 *    leg carries them;
 *  - `device`: the device itself: CPU and memory near full.
 *
 * Chosen per device: seeded on four devices (seed.ts), or set with the simulator option `zdx.plantedFaults`.
 */
export const PLANTED_FAULTS = ['wifi', 'server', 'isp', 'device'] as const;
export type PlantedFault = (typeof PLANTED_FAULTS)[number];

/** What a fault does to one series: its base and spread replaced. */
export interface Override {
  base: number;
  spread: number;
}

/** Web-probe metrics under a fault. */
export const WEB_PROBE_FAULTS: Partial<Record<PlantedFault, Record<string, Override>>> = {
  server: {
    server_response_time: { base: 4_200, spread: 400 },
    pft: { base: 5_400, spread: 450 },
    score: { base: 34, spread: 8 },
  },
  wifi: { score: { base: 48, spread: 10 } },
  isp: { score: { base: 52, spread: 10 } },
};

/** Cloud-path legs under a fault (latency_avg and packet_loss), by `leg_src → leg_dst`. */
export const LEG_FAULTS: Partial<Record<PlantedFault, Record<string, { latency: Override; loss: Override }>>> = {
  wifi: { 'Client → Egress': { latency: { base: 46, spread: 6 }, loss: { base: 7.5, spread: 1.5 } } },
  isp: { 'Egress → ZIA Service Edge': { latency: { base: 120, spread: 14 }, loss: { base: 4, spread: 1 } } },
};

/** Device health under a fault, by metric name. */
export const HEALTH_FAULTS: Partial<Record<PlantedFault, Record<string, Override>>> = {
  wifi: { wifi_signal: { base: 24, spread: 5 } },
  device: { cpu_total: { base: 96, spread: 3 }, mem_used_pct: { base: 94, spread: 3 } },
};

/** Hops under a fault: from hop `from` (1-based) on, this much latency and loss (percent) are added. */
export const HOP_FAULTS: Partial<Record<PlantedFault, { from: number; addMs: number; lossPct: number }>> = {
  wifi: { from: 1, addMs: 42, lossPct: 8 },
  isp: { from: 3, addMs: 110, lossPct: 4 },
};

/** ZDX's score analysis of a device with the fault (`result` of `GET /analysis/{id}`, docs/zscaler-api.md §3.4). */
export const ANALYSIS_RESULTS: Record<PlantedFault | 'none', { issue: string; confidence: number; message: string }> = {
  wifi: {
    issue: 'Wi-Fi',
    confidence: 85,
    message: 'Weak Wi-Fi signal and packet loss between the device and its egress lowered the ZDX score',
  },
  server: {
    issue: 'Application server',
    confidence: 80,
    message: 'The application server was slow to respond (server response time)',
  },
  isp: {
    issue: 'ISP network',
    confidence: 75,
    message: 'Latency and packet loss on the ISP path between the egress and the Zscaler service edge',
  },
  device: { issue: 'Device resources', confidence: 70, message: 'High CPU and memory use on the device' },
  none: { issue: '', confidence: 0, message: 'No issue found' },
};

export const isPlantedFault = (v: unknown): v is PlantedFault =>
  typeof v === 'string' && (PLANTED_FAULTS as readonly string[]).includes(v);
