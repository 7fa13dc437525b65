// Every Prometheus metric Capturebox exposes, declared in one place with its unit and labels.
// Labels stay low-cardinality: never an address, a message id or a client IP.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { REJECTION_REASONS, type RejectionReason } from '../failures';

export type { RejectionReason };
export type HttpRouteLabel = string;

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * A gauge read at scrape time from the one exact source of its value, which the module that owns the count
 * hands in (`measuredBy`); 0 until it does.
 */
export class ScrapedGauge {
  private source: () => number | Promise<number> = () => 0;
  readonly gauge: Gauge;

  constructor(registry: Registry, name: string, help: string) {
    this.gauge = new Gauge({ name, help, registers: [registry], collect: async () => this.gauge.set(await this.source()) });
  }

  measuredBy(source: () => number | Promise<number>): void {
    this.source = source;
  }
}

export class CaptureMetrics {
  readonly registry = new Registry();

  /** From the listeners themselves. */
  readonly smtpConnectionsCurrent = new ScrapedGauge(this.registry, 'capturebox_smtp_connections', 'SMTP connections open now');
  readonly smtpConnectionsTotal = new Counter({ name: 'capturebox_smtp_connections_total', help: 'SMTP connections accepted', registers: [this.registry] });
  readonly smtpConnectionsRefusedTotal = new Counter({
    name: 'capturebox_smtp_connections_refused_total',
    help: 'SMTP connections answered 421 and closed at once, by the limit they met',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly smtpInflightBytes = new ScrapedGauge(
    this.registry,
    'capturebox_smtp_inflight_bytes',
    'Message bytes reserved now by SMTP transactions in DATA (bounded by CAPTUREBOX_SMTP_MAX_INFLIGHT_BYTES)',
  );
  readonly smtpSessionsTotal = new Counter({
    name: 'capturebox_smtp_sessions_total',
    help: 'SMTP sessions ended, by whether they were encrypted (STARTTLS or implicit TLS) when they ended',
    labelNames: ['tls'] as const,
    registers: [this.registry],
  });
  readonly messagesAcceptedTotal = new Counter({
    name: 'capturebox_smtp_messages_accepted_total',
    help: 'SMTP transactions answered 250 after the message was stored',
    labelNames: ['tls'] as const,
    registers: [this.registry],
  });
  readonly messagesRejectedTotal = new Counter({
    name: 'capturebox_smtp_messages_rejected_total',
    help: 'SMTP refusals of a message or its envelope, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly receivedBytesTotal = new Counter({ name: 'capturebox_smtp_received_bytes_total', help: 'Bytes of message data received and stored: the DATA as clients sent it (without the Received: line Capturebox adds)', registers: [this.registry] });
  readonly authFailuresTotal = new Counter({ name: 'capturebox_smtp_auth_failures_total', help: 'Failed SMTP AUTH attempts', registers: [this.registry] });
  readonly transactionSeconds = new Histogram({
    name: 'capturebox_smtp_transaction_duration_seconds',
    help: 'From the end of DATA to the final reply (parse and store included)',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly parseSeconds = new Histogram({ name: 'capturebox_ingest_parse_duration_seconds', help: 'Time to parse and route one message', buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly storeSeconds = new Histogram({ name: 'capturebox_store_write_duration_seconds', help: 'Time to durably store one message', buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly storeErrorsTotal = new Counter({
    name: 'capturebox_store_errors_total',
    help: 'Store operations that failed because the store was unavailable',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });
  readonly httpRequestsTotal = new Counter({
    name: 'capturebox_http_requests_total',
    help: 'HTTP requests by route pattern, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpRequestSeconds = new Histogram({
    name: 'capturebox_http_request_duration_seconds',
    help: 'HTTP request latency by route pattern and method',
    labelNames: ['route', 'method'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly waitsOpen = new ScrapedGauge(this.registry, 'capturebox_waits_open', 'Server-side waits for a message open now (bounded by CAPTUREBOX_MAX_WAITS)');
  readonly websocketsOpen = new ScrapedGauge(
    this.registry,
    'capturebox_websockets_open',
    'Mailsac-style WebSockets (/incoming-messages) open now (bounded by CAPTUREBOX_MAX_WEBSOCKETS)',
  );
  readonly webhookDeliveriesTotal = new Counter({
    name: 'capturebox_webhook_deliveries_total',
    help: 'Webhook delivery attempts, by result: delivered (2xx), retry (will be tried again), failed (retries used up), dropped (message or webhook gone)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly chaosInjectedTotal = new Counter({
    name: 'capturebox_chaos_injected_total',
    help: 'Failures and delays injected by chaos rules (POST /api/admin/chaos), by SMTP stage and rule kind',
    labelNames: ['stage', 'kind'] as const,
    registers: [this.registry],
  });
  readonly spamChecksTotal = new Counter({
    name: 'capturebox_spam_checks_total',
    help: 'Captured transactions sent to spamd, by outcome: scored, failed (spamd down, slow or refusing: not scored), skipped (too large, or too many waiting)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly linkChecksTotal = new Counter({
    name: 'capturebox_link_checks_total',
    help: 'Links the link check looked at, by result: ok (2xx/3xx at the end), broken (4xx/5xx), failed (timeout, refused, redirect loop), not_allowed (host not in CAPTUREBOX_LINK_CHECK_HOSTS)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly webhookDeliverySeconds = new Histogram({
    name: 'capturebox_webhook_delivery_seconds',
    help: 'Time from the POST of a webhook delivery to the receiver’s answer (or the timeout)',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private webhookQueue: () => Promise<{ pending: number; oldestPending: Date | null }> = async () => ({ pending: 0, oldestPending: null });
  readonly webhookQueuePending: Gauge = new Gauge({
    name: 'capturebox_webhook_queue_pending',
    help: 'Webhook deliveries waiting to be sent or retried (the whole store: every replica’s)',
    registers: [this.registry],
    collect: async () => {
      const queue = await this.webhookQueue().catch(() => null);
      if (!queue) return;
      this.webhookQueuePending.set(queue.pending);
      this.webhookOldestPendingSeconds.set(queue.oldestPending ? Math.max(0, (Date.now() - queue.oldestPending.getTime()) / 1000) : 0);
    },
  });
  readonly webhookOldestPendingSeconds: Gauge = new Gauge({
    name: 'capturebox_webhook_oldest_pending_seconds',
    help: 'Age of the oldest webhook delivery still pending (0 when none is); set when capturebox_webhook_queue_pending is collected',
    registers: [this.registry],
  });
  readonly tlsCertificateReloadsTotal = new Counter({
    name: 'capturebox_tls_certificate_reloads_total',
    help: 'Certificate reloads from the configured files, by result',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // Zero-initialise label sets so dashboards and rate() see the series before the first event.
    for (const tls of ['true', 'false']) {
      this.smtpSessionsTotal.inc({ tls }, 0);
      this.messagesAcceptedTotal.inc({ tls }, 0);
    }
    for (const reason of REJECTION_REASONS) {
      this.messagesRejectedTotal.inc({ reason }, 0);
    }
    this.storeErrorsTotal.inc({ operation: 'save' }, 0);
    for (const result of ['delivered', 'retry', 'failed', 'dropped']) this.webhookDeliveriesTotal.inc({ result }, 0);
    for (const reason of ['too_many_connections', 'too_many_connections_from_ip']) this.smtpConnectionsRefusedTotal.inc({ reason }, 0);
  }

  /** The webhooks module tells where the delivery queue's depth and age come from. */
  measureWebhookQueueWith(source: () => Promise<{ pending: number; oldestPending: Date | null }>): void {
    this.webhookQueue = source;
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
