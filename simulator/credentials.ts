/**
 * The obviously fake credentials the simulator accepts. The local stack stores these in its local Secrets
 * Manager; nothing here works against a real tenant.
 */
export const SIM_CREDENTIALS = {
  zpaCustomerId: '216196257331281920',
  zpa: { clientId: 'local-zpa-client', clientSecret: 'local-fake-zpa-secret' },
  zdx: { keyId: 'local-zdx-key', keySecret: 'local-fake-zdx-secret' },
  oneapi: {
    clientId: 'local-oneapi-client',
    clientSecret: 'local-fake-oneapi-secret',
    audience: 'https://api.zscaler.com',
  },
} as const;
