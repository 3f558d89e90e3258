/**
 * What every vendor stand-in shares: a request as a stand-in sees it, its answer, and one recorded entry per
 * request (accepted or refused), so the tests can assert what reached the "vendor" and what it said.
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface VendorRequest {
  method: string;
  /** The path below the vendor's prefix (`/incidents/Q1/notes`). */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The JSON body, or the raw text when it is not JSON. */
  body: unknown;
}

export interface VendorAnswer {
  status: number;
  body: unknown;
}

export interface Recorded extends VendorRequest {
  vendor: string;
  at: string;
  answer: VendorAnswer;
}

/** One vendor's API: answers the requests under its prefix, or undefined for a path it does not serve. */
export type VendorApi = (req: VendorRequest) => VendorAnswer | undefined;

export const header = (req: VendorRequest, name: string): string | undefined => {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
