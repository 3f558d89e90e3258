/** The deep-trace session lengths ZDX offers, in minutes (docs/zscaler-api.md, deep traces). */
export const SESSION_MINUTES = [5, 15, 30, 60] as const;
export type SessionMinutes = (typeof SESSION_MINUTES)[number];
export const isSessionMinutes = (n: number): n is SessionMinutes => (SESSION_MINUTES as readonly number[]).includes(n);
