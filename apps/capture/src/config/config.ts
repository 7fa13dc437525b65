// The one configuration object, parsed and validated once at start-up from the environment.
// Nothing else in the app reads process.env.
import { resolve } from 'node:path';
import { z } from 'zod';

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const port = z.coerce.number().int().min(0).max(65535);

const EnvSchema = z.object({
  CAPTUREBOX_SMTP_PORT: port.default(5587),
  CAPTUREBOX_HTTP_PORT: port.default(8080),
  CAPTUREBOX_BIND: z.string().min(1).default('0.0.0.0'),
  CAPTUREBOX_DATA_DIR: z.string().min(1).default('./data'),
  CAPTUREBOX_SMTP_AUTH: z.enum(['required', 'optional', 'off']).default('required'),
  CAPTUREBOX_SMTP_MAX_BYTES: z.coerce.number().int().positive().default(1048576),
  CAPTUREBOX_SMTP_HOSTNAME: z.string().min(1).optional(),
  CAPTUREBOX_TLS_CERT_FILE: z.string().min(1).optional(),
  CAPTUREBOX_TLS_KEY_FILE: z.string().min(1).optional(),
  CAPTUREBOX_ADMIN_USER: z.string().min(1).default('admin'),
  CAPTUREBOX_ADMIN_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  CAPTUREBOX_PUBLIC_INBOXES: booleanFromEnv.default(true),
  CAPTUREBOX_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type SmtpAuthMode = 'required' | 'optional' | 'off';

export interface CaptureboxConfig {
  bind: string;
  dataDir: string;
  publicInboxes: boolean;
  logLevel: string;
  smtp: {
    port: number;
    hostname: string | undefined;
    authMode: SmtpAuthMode;
    maxMessageBytes: number;
  };
  http: { port: number };
  tls: { certFile: string | undefined; keyFile: string | undefined };
  admin: { username: string; apiKey: string | undefined };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parse the environment into the config object; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): CaptureboxConfig {
  // Empty strings mean "unset": Helm and shells often render absent values that way.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const e = parsed.data;
  if (Boolean(e.CAPTUREBOX_TLS_CERT_FILE) !== Boolean(e.CAPTUREBOX_TLS_KEY_FILE)) {
    throw new ConfigError('invalid configuration: set both CAPTUREBOX_TLS_CERT_FILE and CAPTUREBOX_TLS_KEY_FILE, or neither');
  }
  return {
    bind: e.CAPTUREBOX_BIND,
    dataDir: resolve(e.CAPTUREBOX_DATA_DIR),
    publicInboxes: e.CAPTUREBOX_PUBLIC_INBOXES,
    logLevel: e.CAPTUREBOX_LOG_LEVEL,
    smtp: {
      port: e.CAPTUREBOX_SMTP_PORT,
      hostname: e.CAPTUREBOX_SMTP_HOSTNAME,
      authMode: e.CAPTUREBOX_SMTP_AUTH,
      maxMessageBytes: e.CAPTUREBOX_SMTP_MAX_BYTES,
    },
    http: { port: e.CAPTUREBOX_HTTP_PORT },
    tls: { certFile: e.CAPTUREBOX_TLS_CERT_FILE, keyFile: e.CAPTUREBOX_TLS_KEY_FILE },
    admin: { username: e.CAPTUREBOX_ADMIN_USER, apiKey: e.CAPTUREBOX_ADMIN_API_KEY },
  };
}

/** DI token for the CaptureboxConfig object. */
export const CONFIG = Symbol('CaptureboxConfig');
