// What `selftest.js` (the chart's `helm test`, a client of a running Capturebox) reads from its
// environment: where to send and read, and the admin login the service itself is configured with.

export interface SelftestSettings {
  smtpHost: string;
  smtpPort: number;
  apiBase: string;
  username: string;
  apiKey: string;
}

export function loadSelftestSettings(env: NodeJS.ProcessEnv = process.env): SelftestSettings {
  const [smtpHost, smtpPort] = (env.CAPTUREBOX_SELFTEST_SMTP ?? '127.0.0.1:5587').split(':');
  const apiKey = env.CAPTUREBOX_ADMIN_API_KEY;
  if (!apiKey) throw new Error('CAPTUREBOX_ADMIN_API_KEY is required (the SMTP password and API key)');
  return {
    smtpHost,
    smtpPort: Number(smtpPort),
    apiBase: (env.CAPTUREBOX_SELFTEST_API ?? 'http://127.0.0.1:8080').replace(/\/$/, ''),
    username: env.CAPTUREBOX_ADMIN_USER ?? 'admin',
    apiKey,
  };
}
