/** The deep-trace session lengths ZDX offers, in minutes (docs/zscaler-api.md, deep traces). */
export const SESSION_MINUTES = [5, 15, 30, 60] as const;
export type SessionMinutes = (typeof SESSION_MINUTES)[number];
