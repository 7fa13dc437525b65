// SMTP capture: smtp-server as the protocol engine (any recipient, STARTTLS, AUTH PLAIN/LOGIN with API
// keys, SIZE), fed by our own listeners (smtp-listeners.ts). Each finished DATA goes to the
// CaptureService; the 250 is sent only after the store has the message.
import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { hostname } from 'node:os';
import { createSecureContext, type SecureContext } from 'node:tls';
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerDataStream, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import { AccountsService, FailureThrottle, sleep, type Account } from '../accounts';
import { ChaosService, type ChaosStage } from '../chaos';
import { CONFIG, type CaptureboxConfig } from '../config';
import { inboxOf, isValidMailbox, type SessionFacts } from '../domain';
import { CaptureService, MessageLimitReached } from '../ingest';
import { ROOT_LOGGER, type Logger } from '../logging';
import { CaptureMetrics } from '../metrics';
import { StoreUnavailableError } from '../store';
import { TlsCertificates, type TlsMaterial } from '../tls';
import { RefusalCounter } from './refusal-counter';
import { SmtpListener } from './smtp-listeners';
import { DataCutOff, receiveData } from './receive-data';
import { ConnectionLimits, DataAdmission } from './smtp-limits';
import { acceptedReply, refusalLine, refusalOf, SmtpRefusal, type RefusalReason } from './smtp-replies';

/**
 * A capture that has not finished by then is answered 451: the sender retries rather than waiting on a
 * stalled database. If the write still lands later, the retry stores the message a second time: at
 * least once, never lost.
 */
const CAPTURE_DEADLINE_MS = 60_000;
/** Beyond this many RCPT TO in one transaction the client is asked to send the rest in another. */
const MAX_RECIPIENTS_PER_MESSAGE = 100;
const MIN_TLS_VERSION = 'TLSv1.2';

/** The session user for credentials that "off" mode accepts without knowing them. */
const UNVERIFIED_LOGIN = Object.freeze({ unverified: true });

function accountOf(session: SMTPServerSession): Account | null {
  const user = session.user as Account | typeof UNVERIFIED_LOGIN | undefined;
  return user && user !== UNVERIFIED_LOGIN ? (user as Account) : null;
}

export interface SmtpPorts {
  smtp: number;
  implicitTls: number | null;
}

@Injectable()
export class SmtpCaptureServer implements BeforeApplicationShutdown {
  private readonly logger: Logger;
  /** Protocol engines: one for plain+STARTTLS, one for implicit TLS (they differ only in `secure`). */
  private readonly engines: SMTPServer[] = [];
  private readonly listeners: SmtpListener[] = [];
  private implicitTlsContext: SecureContext;
  private transactionsInFlight = 0;
  /** Failed logins per client IP: repeated failures are answered ever more slowly. */
  private readonly loginFailures = new FailureThrottle();
  private drained: (() => void) | null = null;
  private readonly connectionLimits: ConnectionLimits;
  private readonly admission: DataAdmission;
  private readonly refusals: RefusalCounter;
  /** The name we greet with and sign the Received: trace line with. */
  private readonly serverHostname: string;

  constructor(
    @Inject(CONFIG) private readonly config: CaptureboxConfig,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
    private readonly tls: TlsCertificates,
    private readonly accounts: AccountsService,
    private readonly capture: CaptureService,
    private readonly metrics: CaptureMetrics,
    private readonly chaos: ChaosService,
  ) {
    this.logger = rootLogger.child({ module: 'smtp' });
    this.serverHostname = config.smtp.hostname ?? hostname();
    this.implicitTlsContext = this.secureContextOf(tls.current);
    tls.onChange((material) => this.useCertificate(material));
    metrics.smtpConnectionsCurrent.measuredBy(() => this.openConnections());
    this.connectionLimits = new ConnectionLimits(config.smtp.limits);
    this.admission = new DataAdmission(config.smtp.limits);
    metrics.smtpInflightBytes.measuredBy(() => this.admission.inflightBytes);
    this.refusals = new RefusalCounter(metrics);
  }

  /** The ports the listeners are bound to, once listening (the configured ones may be 0). */
  boundPorts: SmtpPorts | null = null;

  /** Starts the listeners; resolves with the bound ports (useful when configured as 0). */
  async listen(): Promise<SmtpPorts> {
    const { smtp, bind } = this.config;
    const plain = this.createEngine(false);
    const plainListener = this.createListener(plain, smtp.port, null);
    const ports: SmtpPorts = { smtp: await plainListener.listen(), implicitTls: null };
    if (smtp.implicitTlsPort !== undefined) {
      const implicit = this.createEngine(true);
      const implicitListener = this.createListener(implicit, smtp.implicitTlsPort, () => this.implicitTlsContext);
      ports.implicitTls = await implicitListener.listen();
    }
    this.logger.debug({ bind, ...ports }, 'smtp listeners up');
    this.boundPorts = ports;
    return ports;
  }

  get listening(): boolean {
    return this.listeners.length > 0 && this.listeners.every((listener) => listener.listening);
  }

  /**
   * Graceful stop: refuse new connections, let transactions already in DATA finish (bounded by the
   * shutdown timeout), then close every remaining session with 421. Runs before the store closes.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.listeners.map((listener) => listener.close()));
    if (this.transactionsInFlight > 0) {
      this.logger.info({ inFlight: this.transactionsInFlight }, 'waiting for smtp transactions in progress');
      await Promise.race([
        new Promise<void>((resolve) => (this.drained = resolve)),
        new Promise<void>((resolve) => setTimeout(resolve, this.config.shutdownTimeoutMs).unref()),
      ]);
    }
    for (const engine of this.engines) {
      for (const connection of engine.connections) {
        connection.send(421, 'Capturebox is shutting down, try again later');
        connection.close();
      }
    }
  }

  private createEngine(implicitTls: boolean): SMTPServer {
    const { smtp } = this.config;
    const options: SMTPServerOptions = {
      secure: implicitTls,
      name: this.serverHostname,
      banner: 'Capturebox: mail is captured, never delivered', // smtp-server writes "<name> ESMTP " before it
      key: this.tls.current.key,
      cert: this.tls.current.cert,
      minVersion: MIN_TLS_VERSION,
      size: smtp.maxMessageBytes,
      socketTimeout: smtp.limits.idleTimeoutMs,
      authMethods: ['PLAIN', 'LOGIN'],
      authOptional: smtp.authMode !== 'required',
      allowInsecureAuth: false,
      // Reverse DNS on connect costs peers' users seconds per send; the IP is all we record.
      disableReverseLookup: true,
      // Keep the 250 text exactly Mailsac's `OK : queued as <id>`; our refusals carry their own codes.
      hideENHANCEDSTATUSCODES: true,
      hideDSN: true,
      hideREQUIRETLS: true,
      logger: false,
      // AUTH is neither offered nor accepted until the session is encrypted (as Postfix's
      // smtpd_tls_auth_only): clients never send an API key in clear text.
      onConnect: (session, callback) => {
        session.disabledCommands = session.secure ? [] : ['AUTH'];
        this.askChaos('connect', session, [], callback);
      },
      onSecure: (_socket, session, callback) => {
        session.disabledCommands = [];
        callback();
      },
      onAuth: (auth, session, callback) => this.onAuth(auth, session, callback),
      onMailFrom: (address, session, callback) => {
        // Checked here too, not only by smtp-server: with AUTH switched off before STARTTLS, smtp-server
        // would otherwise treat the plain-text session as one that needs no login.
        if (smtp.authMode === 'required' && !session.user) return callback(this.refuse(session.id, 'auth_required'));
        if (address.address !== '' && !isValidMailbox(address.address)) return callback(this.refuse(session.id, 'bad_sender'));
        this.askChaos('mail', session, [], callback);
      },
      onRcptTo: (address, session, callback) => {
        if (!isValidMailbox(address.address)) return callback(this.refuse(session.id, 'bad_recipient'));
        if (session.envelope.rcptTo.length >= MAX_RECIPIENTS_PER_MESSAGE) return callback(this.refuse(session.id, 'too_many_recipients'));
        this.askChaos('rcpt', session, [address.address], callback);
      },
      onData: (stream, session, callback) =>
        this.askChaos('data', session, [], (refusal) => {
          if (!refusal) return this.onData(stream, session, callback);
          // Refused before anything is stored: the DATA is read and dropped, then the sender gets the refusal.
          stream.on('end', () => callback(refusal));
          stream.resume();
        }),
      onClose: (session) => {
        this.connectionLimits.release(session.remoteAddress);
        this.refusals.forget(session.id);
        this.chaos.closed(session.id);
        this.metrics.smtpSessionsTotal.inc({ tls: String(Boolean(session.secure)) });
      },
    };
    const engine = new SMTPServer(options);
    engine.on('error', (error) => this.logger.debug({ err: error }, 'smtp connection error'));
    this.engines.push(engine);
    return engine;
  }

  private createListener(engine: SMTPServer, port: number, implicitTls: (() => SecureContext) | null): SmtpListener {
    const listener = new SmtpListener({
      port,
      bind: this.config.bind,
      engine,
      proxyProtocol: this.config.smtp.proxyProtocol,
      implicitTls,
      logger: this.logger,
      onSocket: () => this.metrics.smtpConnectionsTotal.inc(),
      admit: (ip) => {
        const refusal = this.connectionLimits.admit(ip);
        if (refusal) this.metrics.smtpConnectionsRefusedTotal.inc({ reason: refusal });
        return refusal && refusalLine(refusal);
      },
      // A connection admitted but never handed to smtp-server; the others are released in onClose.
      release: (ip) => this.connectionLimits.release(ip),
    });
    // Every reply smtp-server sends, ours or its own (552 for SIZE=, 530, 501...), is counted here, so
    // refusal metrics are exact whichever layer refused (refusal-counter.ts).
    const connect = engine.connect.bind(engine);
    engine.connect = (socket, socketOptions) => {
      connect(socket, socketOptions);
      const connection = [...engine.connections].at(-1);
      if (!connection) return;
      const send = connection.send.bind(connection);
      connection.send = (code, data, context) => {
        // smtp-server answers AUTH before STARTTLS with 500 (we disable AUTH there so EHLO hides it) or
        // 538; RFC 3207 says 530 5.7.0.
        if (context === 'AUTH' && !connection.secure && (code === 500 || code === 538)) {
          ({ responseCode: code, message: data } = this.refuse(connection.id, 'starttls_required'));
        }
        this.refusals.countReply(connection.id, code, typeof data === 'string' ? data : '');
        send(code, data, context);
      };
    };
    this.listeners.push(listener);
    return listener;
  }

  /** Connections open now on every listener, read when /metrics is scraped. */
  async openConnections(): Promise<number> {
    const counts = await Promise.all(this.listeners.map((listener) => listener.openConnections()));
    return counts.reduce((sum, count) => sum + count, 0);
  }

  /** What the chaos rules (chaos/) inject at this stage, a delay and maybe a refusal, then smtp-server's callback. */
  private askChaos(stage: ChaosStage, session: SMTPServerSession, adding: string[], callback: (refusal: Error | null) => void): void {
    const facts = () => ({
      accountId: accountOf(session)?.id ?? null,
      recipients: [...session.envelope.rcptTo.map((recipient) => recipient.address), ...adding].map(inboxOf),
    });
    this.chaos.at(stage, session.id, facts).then(callback, callback);
  }

  /** Our refusal as the session's next reply: counted by its own row when smtp-server writes it. */
  private refuse(sessionId: string, refusal: RefusalReason | SmtpRefusal): SmtpRefusal {
    return this.refusals.handOver(sessionId, typeof refusal === 'string' ? new SmtpRefusal(refusal) : refusal);
  }

  private useCertificate(material: TlsMaterial): void {
    this.implicitTlsContext = this.secureContextOf(material);
    for (const engine of this.engines) engine.updateSecureContext({ key: material.key, cert: material.cert });
  }

  private secureContextOf(material: TlsMaterial): SecureContext {
    return createSecureContext({ key: material.key, cert: material.cert, minVersion: MIN_TLS_VERSION });
  }

  private onAuth(
    auth: SMTPServerAuthentication,
    session: SMTPServerSession,
    callback: (err: Error | null | undefined, response?: { user?: unknown }) => void,
  ): void {
    const client = session.remoteAddress;
    this.accounts.authenticateSmtp(auth.username ?? '', auth.password ?? '').then(
      async (account) => {
        if (account) {
          this.loginFailures.recordSuccess(client);
          return callback(null, { user: account });
        }
        // smtp-server treats a falsy user as a failed login, so "off" mode logs in as nobody in particular.
        if (this.config.smtp.authMode === 'off') return callback(null, { user: UNVERIFIED_LOGIN });
        this.logger.info({ session: session.id, ip: client, method: auth.method }, 'smtp auth failed');
        await sleep(this.loginFailures.recordFailure(client));
        callback(this.refuse(session.id, 'auth_failed'));
      },
      (error: unknown) => {
        // The accounts store is down: a temporary failure, so the client retries instead of giving up.
        this.logger.error({ session: session.id, err: error }, 'smtp auth could not be checked');
        callback(this.refuse(session.id, error instanceof StoreUnavailableError ? 'auth_unavailable' : 'auth_failed'));
      },
    );
  }

  private onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void): void {
    const { maxMessageBytes, limits } = this.config.smtp;
    this.transactionsInFlight++;
    let ended = false;
    const end = () => {
      if (ended) return false;
      ended = true;
      this.transactionsInFlight--;
      if (this.transactionsInFlight === 0) this.drained?.();
      return true;
    };
    const reply = (error: Error | null, message?: string) => end() && callback(error, message);
    const args = session.envelope.mailFrom ? session.envelope.mailFrom.args : false;
    const declared = args ? Number(args.SIZE) : NaN;
    const declaredBytes = Number.isSafeInteger(declared) && declared > 0 ? declared : undefined;
    receiveData(stream, { maxBytes: maxMessageBytes, declaredBytes, admission: this.admission, timeoutMs: limits.dataTimeoutMs }).then(
      ({ raw, turn }) => {
        const stopTimer = this.metrics.transactionSeconds.startTimer();
        withDeadline(this.captureTransaction(raw, session), CAPTURE_DEADLINE_MS)
          .then(
            (queueId) => reply(null, acceptedReply(queueId)),
            (error: unknown) => reply(this.refuse(session.id, this.refusalFor(error, session))),
          )
          .finally(() => {
            stopTimer();
            turn();
          });
      },
      (error: unknown) => {
        if (!(error instanceof DataCutOff)) return reply(this.refuse(session.id, error instanceof SmtpRefusal ? error : refusalOf(error)));
        // The sender is still sending (or not at all): answer now and hang up, rather than wait for a
        // final dot that a slow sender may never send.
        this.logger.info({ session: session.id, reason: error.reason }, 'smtp DATA cut off at its deadline');
        if (end()) this.hangUp(session.id, error.reason);
      },
    );
  }

  /** Answers a session's transaction with `reason`'s reply and closes its connection. */
  private hangUp(sessionId: string, reason: RefusalReason): void {
    for (const engine of this.engines) {
      for (const connection of engine.connections) {
        if (connection.id !== sessionId) continue;
        const refusal = this.refuse(sessionId, reason);
        connection.send(refusal.responseCode, refusal.message);
        connection.close();
      }
    }
  }

  private async captureTransaction(raw: Buffer, session: SMTPServerSession): Promise<string> {
    const account = accountOf(session);
    const result = await this.capture.capture({
      raw,
      envelope: {
        mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
        rcptTo: session.envelope.rcptTo.map((recipient) => recipient.address),
      },
      session: sessionFacts(session, account, this.serverHostname),
      account,
    });
    this.metrics.messagesAcceptedTotal.inc({ tls: String(Boolean(session.secure)) });
    this.metrics.receivedBytesTotal.inc(raw.length);
    this.logger.info({ session: session.id, queueId: result.queueId, bytes: raw.length, copies: result.messageIds.length }, 'message captured');
    return result.queueId;
  }

  private refusalFor(error: unknown, session: SMTPServerSession): SmtpRefusal {
    const refusal = refusalOf(error);
    if (error instanceof MessageLimitReached) this.logger.info({ session: session.id, account: error.accountId }, 'message refused: account message limit reached');
    else this.logger.error({ session: session.id, err: error, reason: refusal.reason }, `message refused with ${refusal.responseCode}`);
    return refusal;
  }
}

class CaptureDeadlineExceeded extends Error {
  override name = 'CaptureDeadlineExceeded';
  /** A stalled store: the sender retries, as for any store fault. */
  readonly failure = 'store_unavailable';
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CaptureDeadlineExceeded(`capture took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

function sessionFacts(session: SMTPServerSession, account: Account | null, serverHostname: string): SessionFacts {
  const tls = session.tlsOptions || null;
  return {
    clientIp: unmapIpv4(session.remoteAddress),
    clientHostname: session.clientHostname || null,
    heloName: session.hostNameAppearsAs || null,
    serverIp: unmapIpv4(session.localAddress),
    serverHostname,
    // smtp-server's RFC 3848 name for the session as it is now: EHLO or HELO, TLS, a login.
    protocol: session.transmissionType,
    tls: Boolean(session.secure),
    tlsProtocol: tls ? tls.version : null,
    tlsCipher: tls ? tls.name : null,
    accountId: account?.id ?? null,
  };
}

/** `::ffff:10.0.0.1` -> `10.0.0.1`, so IPv4 clients look the same on dual-stack listeners. */
function unmapIpv4(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
