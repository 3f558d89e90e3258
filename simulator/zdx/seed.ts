/**
 * The seeded ZDX tenant: users at corp.example, their devices, and the monitored apps with their probes.
 * Numeric ids throughout (ZDX uses numbers, unlike ZPA's 64-bit strings — docs/zscaler-api.md §3.1).
 *
 * Device activity is stored as "seconds idle" relative to simulated now rather than as a fixed timestamp:
 * devices keep reporting while simulated time runs, so "alice was active 30 min ago" stays true in a
 * long-running local stack and after tests advance the clock.
 */
import type { PlantedFault } from './plantedFaults.js';

export interface ZdxUser {
  id: number;
  name: string;
  email: string;
}

export interface ZdxDevice {
  id: number;
  name: string;
  userId: number;
  /** Seconds between the device's last activity and simulated now. */
  idleSec: number;
  os: 'Windows' | 'macOS';
  model: string;
  /** Trouble its deep traces show (plantedFaults.ts); none: healthy. */
  plantedFault?: PlantedFault;
}

export interface WebProbe {
  id: number;
  name: string;
  url: string;
}

export interface CloudPathProbe {
  id: number;
  name: string;
  target: string;
}

export interface ZdxApp {
  id: number;
  name: string;
  /** Typical ZDX score for the app; each device's score varies around it. */
  baseScore: number;
  webProbes: WebProbe[];
  cloudPathProbe: CloudPathProbe;
}

export const APPS: readonly ZdxApp[] = [
  {
    id: 1,
    name: 'Microsoft Outlook',
    baseScore: 84,
    webProbes: [
      { id: 101, name: 'Outlook Web', url: 'https://outlook.office365.com/owa/' },
      {
        id: 102,
        name: 'Outlook Autodiscover',
        url: 'https://autodiscover-s.outlook.com/autodiscover/autodiscover.xml',
      },
    ],
    cloudPathProbe: { id: 151, name: 'Outlook Cloud Path', target: 'outlook.office365.com' },
  },
  {
    id: 2,
    name: 'Salesforce',
    baseScore: 88,
    webProbes: [{ id: 201, name: 'Salesforce Login', url: 'https://login.salesforce.com/' }],
    cloudPathProbe: { id: 251, name: 'Salesforce Cloud Path', target: 'login.salesforce.com' },
  },
  {
    id: 3,
    name: 'Zoom',
    baseScore: 76,
    webProbes: [
      { id: 301, name: 'Zoom Web', url: 'https://zoom.us/' },
      { id: 302, name: 'Zoom API', url: 'https://api.zoom.us/v2/' },
    ],
    cloudPathProbe: { id: 351, name: 'Zoom Cloud Path', target: 'zoom.us' },
  },
  {
    id: 4,
    name: 'Payroll Portal',
    baseScore: 63,
    webProbes: [{ id: 401, name: 'Payroll Portal Home', url: 'https://payroll.corp.example/' }],
    cloudPathProbe: { id: 451, name: 'Payroll Portal Cloud Path', target: 'payroll.corp.example' },
  },
];

const MIN = 60;
const HOUR = 3600;

/** The four users tests talk about, with hand-picked activity. */
const CORE: Array<{ user: ZdxUser; devices: Omit<ZdxDevice, 'userId'>[] }> = [
  {
    user: { id: 81234501, name: 'Alice Adams', email: 'alice@corp.example' },
    devices: [{ id: 132559212, name: 'ALICE-LT-7420', idleSec: 30 * MIN, os: 'Windows', model: 'Latitude 7420' }],
  },
  {
    // Last seen 6 hours ago: invisible in the default 2-hour window, found only with a widened from/to.
    user: { id: 81234502, name: 'Bob Brown', email: 'bob@corp.example' },
    devices: [{ id: 132559347, name: 'BOB-MBP-14', idleSec: 6 * HOUR, os: 'macOS', model: 'MacBookPro18,3' }],
  },
  {
    user: { id: 81234503, name: 'Carol Chen', email: 'carol@corp.example' },
    devices: [
      { id: 132559455, name: 'CAROL-LT-T14', idleSec: 5 * MIN, os: 'Windows', model: 'ThinkPad T14 Gen 3' },
      { id: 132559456, name: 'CAROL-DT-7090', idleSec: 12 * MIN, os: 'Windows', model: 'OptiPlex 7090' },
    ],
  },
  { user: { id: 81234504, name: 'Dave Davis', email: 'dave@corp.example' }, devices: [] },
];

/** Extra users so that paging matters: 24 more devices, 22 of them active within the last 2 hours. */
const EXTRA = [
  'Erin Evans',
  'Frank Fischer',
  'Grace Garcia',
  'Heidi Hoffmann',
  'Ivan Ivanov',
  'Judy Jones',
  'Mallory Moore',
  'Niaj Nair',
  'Olivia Olsen',
  'Peggy Park',
  'Quinn Quigley',
  'Rupert Reed',
  'Sybil Schmidt',
  'Trent Taylor',
  'Uma Usman',
  'Victor Villa',
  'Walter White',
  'Wendy Wu',
  'Xavier Xu',
  'Zara Zimmer',
];
/** Extras whose devices show a planted fault in every deep trace (plantedFaults.ts): one of each kind. */
export const SEEDED_FAULTS: Readonly<Record<string, PlantedFault>> = {
  'Ivan Ivanov': 'wifi',
  'Judy Jones': 'server',
  'Mallory Moore': 'isp',
  'Niaj Nair': 'device',
};
/** Stale extras: last seen 26 hours and 3 days ago. */
const STALE: Record<string, number> = { 'Walter White': 26 * HOUR, 'Xavier Xu': 72 * HOUR };

export interface ZdxSeed {
  users: ZdxUser[];
  devices: ZdxDevice[];
  apps: readonly ZdxApp[];
}

export function buildSeed(): ZdxSeed {
  const users: ZdxUser[] = [];
  const devices: ZdxDevice[] = [];
  for (const { user, devices: ds } of CORE) {
    users.push({ ...user });
    for (const d of ds) devices.push({ ...d, userId: user.id });
  }
  EXTRA.forEach((name, i) => {
    const first = name.split(' ')[0] ?? name;
    const user: ZdxUser = { id: 81234505 + i, name, email: `${first.toLowerCase()}@corp.example` };
    users.push(user);
    const count = i < 4 ? 2 : 1;
    for (let k = 1; k <= count; k += 1) {
      const mac = i % 3 === 2;
      devices.push({
        id: 132560000 + i * 100 + k,
        name: `${first.toUpperCase()}-${mac ? 'MBP' : 'LT'}-${k === 1 ? 'A' : 'B'}${((i * 37 + 11) % 90) + 10}`,
        userId: user.id,
        idleSec: STALE[name] ?? (((i * 37 + k * 11) % 100) + 1) * MIN,
        os: mac ? 'macOS' : 'Windows',
        model: mac ? 'MacBookPro18,1' : 'Latitude 5440',
        ...(SEEDED_FAULTS[name] ? { plantedFault: SEEDED_FAULTS[name] } : {}),
      });
    }
  });
  devices.sort((a, b) => a.id - b.id);
  users.sort((a, b) => a.id - b.id);
  return { users, devices, apps: APPS };
}

/** Deterministic noise in [0, 1) from integer keys, so every reply is stable across runs. */
export function noise(...keys: number[]): number {
  let h = 0x811c9dc5;
  for (const k of keys) {
    h ^= Math.floor(k) % 0x7fffffff;
    h = Math.imul(h, 0x01000193);
    h ^= h >>> 13;
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return ((h ^ (h >>> 13)) >>> 0) / 2 ** 32;
}

/** A device's score for an app: around the app's base score, stable per (device, app). */
export function appScore(deviceId: number, app: ZdxApp): number {
  return Math.max(0, Math.min(100, Math.round(app.baseScore - 15 + noise(deviceId, app.id) * 30)));
}
