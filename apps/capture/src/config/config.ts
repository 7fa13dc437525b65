// The one configuration object, parsed and validated once at start-up from the environment.
// Nothing outside config/ reads process.env (test helpers aside; selftest-settings.ts is the selftest's).
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { z } from 'zod';
import {
  DEFAULT_PORTS,
  MAX_WAITS,
  MAX_WEBSOCKETS,
  MESSAGE_BYTES,
  REPLICA_FEED_INTERVAL_MS,
  RETENTION_MAX_AGE_HOURS,
  RETENTION_MAX_MESSAGES_PER_INBOX,
  SMTP_DATA_TIMEOUT_MS,
  SMTP_IDLE_TIMEOUT_MS,
  SMTP_MAX_CONNECTIONS,
  SMTP_MAX_CONNECTIONS_PER_IP,
  SMTP_MAX_DATA_TRANSACTIONS,
  SMTP_MAX_INFLIGHT_BYTES,
  WEBHOOK_BACKOFF_MAX_MS,
  WEBHOOK_CONCURRENCY,
  WEBHOOK_POLL_MS,
  WEBHOOK_RETRY_HOURS,
  WEBHOOK_TIMEOUT_MS,
} from '@capturebox/limits';

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

/** A domain name as an admin writes one (IDN in Unicode or punycode); the API normalizes it as every address. */
const DENYLIST_DOMAIN = /^[^\s@/[\]]+\.[^\s@/[\]]+$/u;

/** spamd's own port, when CAPTUREBOX_SPAMD_URL names none. */
const SPAMD_DEFAULT_PORT = 783;

const port = z.coerce.number().int().min(0).max(65535);
/** An integer setting bounded (and defaulted) by a shared limit in packages/limits, which the chart also reads. */
const boundedInteger = (bound: { minimum: number; maximum?: number }) => {
  const atLeast = z.coerce.number().int().min(bound.minimum);
  return bound.maximum === undefined ? atLeast : atLeast.max(bound.maximum);
};

/** Entries separated by commas or spaces, lower-cased; empty by default; every entry must pass `valid`. */
const listFromEnv = (valid: (entry: string) => boolean, message: string) =>
  z
    .string()
    .default('')
    .transform((value) => value.toLowerCase().split(/[\s,]+/).filter(Boolean))
    .refine((entries) => entries.every(valid), message);

const EnvSchema = z.object({
  CAPTUREBOX_SMTP_PORT: port.default(DEFAULT_PORTS.smtp),
  CAPTUREBOX_SMTPS_PORT: port.optional(),
  CAPTUREBOX_SMTP_PROXY_PROTOCOL: booleanFromEnv.default(false),
  CAPTUREBOX_HTTP_TLS: booleanFromEnv.default(false),
  CAPTUREBOX_TLS_RELOAD_INTERVAL_MS: z.coerce.number().int().min(100).default(5000),
  CAPTUREBOX_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(25000),
  CAPTUREBOX_HTTP_PORT: port.default(DEFAULT_PORTS.http),
  CAPTUREBOX_BIND: z.string().min(1).default('0.0.0.0'),
  CAPTUREBOX_DATA_DIR: z.string().min(1).default('./data'),
  CAPTUREBOX_MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URI').optional(),
  CAPTUREBOX_RETENTION_MAX_MESSAGES_PER_INBOX: z.coerce.number().int().min(RETENTION_MAX_MESSAGES_PER_INBOX.minimum).default(RETENTION_MAX_MESSAGES_PER_INBOX.default),
  CAPTUREBOX_RETENTION_MAX_AGE_HOURS: z.coerce.number().min(RETENTION_MAX_AGE_HOURS.minimum).default(RETENTION_MAX_AGE_HOURS.default),
  CAPTUREBOX_RETENTION_INTERVAL_MS: z.coerce.number().int().min(100).default(60_000),
  CAPTUREBOX_SMTP_AUTH: z.enum(['required', 'optional', 'off']).default('required'),
  CAPTUREBOX_SMTP_MAX_BYTES: z.coerce.number().int().min(MESSAGE_BYTES.minimum).max(MESSAGE_BYTES.maximum).default(MESSAGE_BYTES.default),
  CAPTUREBOX_SMTP_MAX_CONNECTIONS: boundedInteger(SMTP_MAX_CONNECTIONS).default(SMTP_MAX_CONNECTIONS.default),
  CAPTUREBOX_SMTP_MAX_CONNECTIONS_PER_IP: boundedInteger(SMTP_MAX_CONNECTIONS_PER_IP).default(SMTP_MAX_CONNECTIONS_PER_IP.default),
  CAPTUREBOX_SMTP_MAX_DATA_TRANSACTIONS: boundedInteger(SMTP_MAX_DATA_TRANSACTIONS).default(SMTP_MAX_DATA_TRANSACTIONS.default),
  CAPTUREBOX_SMTP_MAX_INFLIGHT_BYTES: boundedInteger(SMTP_MAX_INFLIGHT_BYTES).optional(),
  CAPTUREBOX_SMTP_DATA_TIMEOUT_MS: boundedInteger(SMTP_DATA_TIMEOUT_MS).default(SMTP_DATA_TIMEOUT_MS.default),
  CAPTUREBOX_SMTP_IDLE_TIMEOUT_MS: boundedInteger(SMTP_IDLE_TIMEOUT_MS).default(SMTP_IDLE_TIMEOUT_MS.default),
  // A host name (as the operator's CRD has it): it goes into the greeting and every Received: line.
  CAPTUREBOX_SMTP_HOSTNAME: z.string().max(253).regex(/^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$/, 'must be a host name').optional(),
  CAPTUREBOX_TLS_CERT_FILE: z.string().min(1).optional(),
  CAPTUREBOX_TLS_KEY_FILE: z.string().min(1).optional(),
  CAPTUREBOX_ADMIN_USER: z.string().min(1).default('admin'),
  CAPTUREBOX_ADMIN_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  CAPTUREBOX_PUBLIC_INBOXES: booleanFromEnv.default(true),
  CAPTUREBOX_MAX_WAITS: boundedInteger(MAX_WAITS).default(MAX_WAITS.default),
  CAPTUREBOX_MAX_WEBSOCKETS: boundedInteger(MAX_WEBSOCKETS).default(MAX_WEBSOCKETS.default),
  CAPTUREBOX_REPLICA_FEED_INTERVAL_MS: boundedInteger(REPLICA_FEED_INTERVAL_MS).default(REPLICA_FEED_INTERVAL_MS.default),
  CAPTUREBOX_WEBHOOK_TIMEOUT_MS: boundedInteger(WEBHOOK_TIMEOUT_MS).default(WEBHOOK_TIMEOUT_MS.default),
  CAPTUREBOX_WEBHOOK_RETRY_HOURS: z.coerce.number().gt(WEBHOOK_RETRY_HOURS.exclusiveMinimum).max(WEBHOOK_RETRY_HOURS.maximum).default(WEBHOOK_RETRY_HOURS.default),
  CAPTUREBOX_WEBHOOK_CONCURRENCY: boundedInteger(WEBHOOK_CONCURRENCY).default(WEBHOOK_CONCURRENCY.default),
  CAPTUREBOX_WEBHOOK_POLL_MS: boundedInteger(WEBHOOK_POLL_MS).default(WEBHOOK_POLL_MS.default),
  CAPTUREBOX_WEBHOOK_BACKOFF_MAX_MS: boundedInteger(WEBHOOK_BACKOFF_MAX_MS).default(WEBHOOK_BACKOFF_MAX_MS.default),
  CAPTUREBOX_DENYLIST: listFromEnv((entry) => isIP(entry) !== 0 || DENYLIST_DOMAIN.test(entry), 'must be domains and IP addresses, separated by commas or spaces'),
  CAPTUREBOX_SPAMD_URL: z
    .url({ protocol: /^spamd$/, error: 'must be spamd://host[:port]' })
    .transform((value) => new URL(value))
    .refine((url) => url.hostname !== '' && (url.pathname === '' || url.pathname === '/'), 'must be spamd://host[:port]')
    .optional(),
  CAPTUREBOX_SPAMD_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  CAPTUREBOX_LINK_CHECK_HOSTS: listFromEnv((entry) => isIP(entry) !== 0 || /^[^\s@/:[\]]+$/u.test(entry), 'must be host names and IP addresses, separated by commas or spaces'),
  CAPTUREBOX_LINK_CHECK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  // Standing chaos rules (README "Chaos"), a JSON array of what POST /api/admin/chaos takes (a CaptureEnvironment's
  // spec.chaos arrives here): only read as JSON here; chaos/ checks each rule against its schema when it starts.
  CAPTUREBOX_CHAOS: z
    .string()
    .default('[]')
    .transform((text, ctx) => {
      try {
        const rules: unknown = JSON.parse(text);
        if (Array.isArray(rules)) return rules as unknown[];
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of chaos rules' });
      return z.NEVER;
    }),
  CAPTUREBOX_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type SmtpAuthMode = 'required' | 'optional' | 'off';

/** What bounds the SMTP side's memory and connections; past a limit new work waits or gets a 421/451. */
export interface SmtpLimits {
  maxConnections: number;
  maxConnectionsPerIp: number;
  /** Transactions reading or storing DATA at once; more wait for a turn (within the DATA deadline). */
  maxDataTransactions: number;
  /**
   * Message bytes held in memory at once: each transaction in DATA reserves the SIZE it declared at MAIL
   * FROM, else the SIZE limit. The process holds several times this (parsed text, the store's copy, and
   * garbage until V8 collects it): the default 8 MiB kept 400 x 924 KB senders under ~370 MB peak RSS.
   */
  maxInflightBytes: number;
  /** From the DATA command to the final reply, waiting for a turn included; then 451 and the connection closes. */
  dataTimeoutMs: number;
  /** Between commands; then 421 (smtp-server's socket timeout). */
  idleTimeoutMs: number;
}

export interface CaptureboxConfig {
  bind: string;
  dataDir: string;
  /** MongoDB store when set; the embedded SQLite store in dataDir otherwise. */
  mongodbUri: string | undefined;
  /** Public (unstarred) mail only; 0 turns a limit off. */
  retention: { maxMessagesPerInbox: number; maxAgeHours: number; intervalMs: number };
  publicInboxes: boolean;
  /** Mailsac's deny-list (`/api/mailstats/blacklist`): domains and IP addresses the admin lists. Nothing queries DNS. */
  denylist: string[];
  logLevel: string;
  /** How long SIGTERM waits for SMTP transactions in progress (keep under Kubernetes' grace period). */
  shutdownTimeoutMs: number;
  smtp: {
    port: number;
    /** Implicit-TLS port (465 style); off when undefined. */
    implicitTlsPort: number | undefined;
    /** Expect a PROXY protocol v1/v2 header on every SMTP connection. */
    proxyProtocol: boolean;
    hostname: string | undefined;
    authMode: SmtpAuthMode;
    maxMessageBytes: number;
    limits: SmtpLimits;
  };
  http: { port: number; tls: boolean };
  tls: { certFile: string | undefined; keyFile: string | undefined; reloadIntervalMs: number };
  admin: { username: string; apiKey: string | undefined };
  /**
   * Server-side waits for a message: how many may be open at once in this process (past it: 429), and, on
   * MongoDB, how often one look for other replicas' mail serves all open waits.
   */
  waits: { maxOpen: number; replicaFeedIntervalMs: number };
  /** Pushes: how many of Mailsac's WebSockets may be open at once in this process (past it: 429). */
  push: { maxSockets: number };
  /**
   * Webhook deliveries: each POST's timeout (a claim's lease is three of them), how long a delivery keeps being
   * retried, how many POSTs run at once per process, how often the queue is looked at for due deliveries, and the
   * longest wait between two attempts (exponential backoff with full jitter up to it).
   */
  webhooks: { timeoutMs: number; retryForMs: number; concurrency: number; pollMs: number; backoffMaxMs: number };
  /**
   * Message checks (checks/): spamd to score captured mail with (not scored when undefined) and how long one
   * check may take; the hosts the link check may request (and their subdomains; none: it requests nothing)
   * and how long one link may take, redirects included.
   */
  checks: {
    spamd: { host: string; port: number } | undefined;
    spamdTimeoutMs: number;
    linkHosts: string[];
    linkTimeoutMs: number;
  };
  /** Chaos rules every start of this process begins with (checked by chaos/ against its rule schema). */
  chaos: { standingRules: unknown[] };
}

/**
 * 8 MiB, or two messages of the SIZE limit when that is larger: with a big SIZE limit a smaller budget
 * would let only one transaction into DATA at a time.
 */
function defaultInflightBytes(maxMessageBytes: number): number {
  return Math.max(8 * 1024 * 1024, 2 * maxMessageBytes);
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
    mongodbUri: e.CAPTUREBOX_MONGODB_URI,
    retention: {
      maxMessagesPerInbox: e.CAPTUREBOX_RETENTION_MAX_MESSAGES_PER_INBOX,
      maxAgeHours: e.CAPTUREBOX_RETENTION_MAX_AGE_HOURS,
      intervalMs: e.CAPTUREBOX_RETENTION_INTERVAL_MS,
    },
    publicInboxes: e.CAPTUREBOX_PUBLIC_INBOXES,
    denylist: e.CAPTUREBOX_DENYLIST,
    logLevel: e.CAPTUREBOX_LOG_LEVEL,
    shutdownTimeoutMs: e.CAPTUREBOX_SHUTDOWN_TIMEOUT_MS,
    smtp: {
      port: e.CAPTUREBOX_SMTP_PORT,
      implicitTlsPort: e.CAPTUREBOX_SMTPS_PORT,
      proxyProtocol: e.CAPTUREBOX_SMTP_PROXY_PROTOCOL,
      hostname: e.CAPTUREBOX_SMTP_HOSTNAME,
      authMode: e.CAPTUREBOX_SMTP_AUTH,
      maxMessageBytes: e.CAPTUREBOX_SMTP_MAX_BYTES,
      limits: {
        maxConnections: e.CAPTUREBOX_SMTP_MAX_CONNECTIONS,
        maxConnectionsPerIp: e.CAPTUREBOX_SMTP_MAX_CONNECTIONS_PER_IP,
        maxDataTransactions: e.CAPTUREBOX_SMTP_MAX_DATA_TRANSACTIONS,
        maxInflightBytes: e.CAPTUREBOX_SMTP_MAX_INFLIGHT_BYTES ?? defaultInflightBytes(e.CAPTUREBOX_SMTP_MAX_BYTES),
        dataTimeoutMs: e.CAPTUREBOX_SMTP_DATA_TIMEOUT_MS,
        idleTimeoutMs: e.CAPTUREBOX_SMTP_IDLE_TIMEOUT_MS,
      },
    },
    http: { port: e.CAPTUREBOX_HTTP_PORT, tls: e.CAPTUREBOX_HTTP_TLS },
    tls: { certFile: e.CAPTUREBOX_TLS_CERT_FILE, keyFile: e.CAPTUREBOX_TLS_KEY_FILE, reloadIntervalMs: e.CAPTUREBOX_TLS_RELOAD_INTERVAL_MS },
    admin: { username: e.CAPTUREBOX_ADMIN_USER, apiKey: e.CAPTUREBOX_ADMIN_API_KEY },
    waits: { maxOpen: e.CAPTUREBOX_MAX_WAITS, replicaFeedIntervalMs: e.CAPTUREBOX_REPLICA_FEED_INTERVAL_MS },
    push: { maxSockets: e.CAPTUREBOX_MAX_WEBSOCKETS },
    webhooks: {
      timeoutMs: e.CAPTUREBOX_WEBHOOK_TIMEOUT_MS,
      retryForMs: e.CAPTUREBOX_WEBHOOK_RETRY_HOURS * 3_600_000,
      concurrency: e.CAPTUREBOX_WEBHOOK_CONCURRENCY,
      pollMs: e.CAPTUREBOX_WEBHOOK_POLL_MS,
      backoffMaxMs: e.CAPTUREBOX_WEBHOOK_BACKOFF_MAX_MS,
    },
    checks: {
      spamd: e.CAPTUREBOX_SPAMD_URL && { host: e.CAPTUREBOX_SPAMD_URL.hostname.replace(/^\[|\]$/g, ''), port: Number(e.CAPTUREBOX_SPAMD_URL.port || SPAMD_DEFAULT_PORT) },
      spamdTimeoutMs: e.CAPTUREBOX_SPAMD_TIMEOUT_MS,
      linkHosts: e.CAPTUREBOX_LINK_CHECK_HOSTS,
      linkTimeoutMs: e.CAPTUREBOX_LINK_CHECK_TIMEOUT_MS,
    },
    chaos: { standingRules: e.CAPTUREBOX_CHAOS },
  };
}

/** DI token for the CaptureboxConfig object. */
export const CONFIG = Symbol('CaptureboxConfig');
