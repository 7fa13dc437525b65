// The SMTP listener: smtp-server configured for capture (any recipient, STARTTLS, AUTH PLAIN/LOGIN with
// API keys, SIZE), handing each finished DATA to the CaptureService and answering 250 only after the
// store has the message.
import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { AccountsService, type Account } from '../accounts';
import { CONFIG, type CaptureboxConfig } from '../config';
import type { SessionFacts } from '../domain/captured-message';
import { CaptureService } from '../ingest';
import { ROOT_LOGGER, type Logger } from '../logging';
import { StoreUnavailableError } from '../store';
import type { TlsMaterial } from '../tls';
import { isValidMailbox } from '../domain/mailbox';
import { acceptedReply, SmtpRefusal } from './smtp-replies';

/** Beyond this many RCPT TO in one transaction the client is asked to send the rest in another. */
const MAX_RECIPIENTS_PER_MESSAGE = 100;
/** How long close() lets transactions in progress finish before connections are cut. */
const CLOSE_TIMEOUT_MS = 10_000;

export const SMTP_TLS_MATERIAL = Symbol('SmtpTlsMaterial');

/** The session user for credentials that "off" mode accepts without knowing them. */
const UNVERIFIED_LOGIN = Object.freeze({ unverified: true });

function accountOf(session: SMTPServerSession): Account | null {
  const user = session.user as Account | typeof UNVERIFIED_LOGIN | undefined;
  return user && user !== UNVERIFIED_LOGIN ? (user as Account) : null;
}

@Injectable()
export class SmtpCaptureServer implements BeforeApplicationShutdown {
  private server: SMTPServer | null = null;
  private readonly logger: Logger;

  constructor(
    @Inject(CONFIG) private readonly config: CaptureboxConfig,
    @Inject(SMTP_TLS_MATERIAL) private readonly tls: TlsMaterial,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
    private readonly accounts: AccountsService,
    private readonly capture: CaptureService,
  ) {
    this.logger = rootLogger.child({ module: 'smtp' });
  }

  /** Starts listening; resolves with the bound port (useful when configured as 0). */
  async listen(): Promise<number> {
    const { smtp, bind } = this.config;
    const server = new SMTPServer({
      name: smtp.hostname,
      banner: 'Capturebox ESMTP: mail is captured, never delivered',
      key: this.tls.key,
      cert: this.tls.cert,
      minVersion: 'TLSv1.2',
      size: smtp.maxMessageBytes,
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
      closeTimeout: CLOSE_TIMEOUT_MS,
      // AUTH is neither offered nor accepted until the session is encrypted (as Postfix's
      // smtpd_tls_auth_only): clients never send an API key in clear text.
      onConnect: (session, callback) => {
        session.disabledCommands = session.secure ? [] : ['AUTH'];
        callback();
      },
      onSecure: (_socket, session, callback) => {
        session.disabledCommands = [];
        callback();
      },
      onAuth: (auth, session, callback) => this.onAuth(auth, session, callback),
      onMailFrom: (address, session, callback) => {
        // Checked here too, not only by smtp-server: with AUTH switched off before STARTTLS, smtp-server
        // would otherwise treat the plain-text session as one that needs no login.
        if (smtp.authMode === 'required' && !session.user) return callback(new SmtpRefusal('auth_required'));
        callback(address.address === '' || isValidMailbox(address.address) ? null : new SmtpRefusal('bad_sender'));
      },
      onRcptTo: (address, session, callback) => {
        if (!isValidMailbox(address.address)) return callback(new SmtpRefusal('bad_recipient'));
        if (session.envelope.rcptTo.length >= MAX_RECIPIENTS_PER_MESSAGE) return callback(new SmtpRefusal('too_many_recipients'));
        callback();
      },
      onData: (stream, session, callback) => this.onData(stream, session, callback),
    });
    server.on('error', (error) => this.logger.warn({ err: error }, 'smtp connection error'));
    this.server = server;

    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(smtp.port, bind, () => {
        server.server.off('error', reject);
        resolve();
      });
    });
    return (server.server.address() as AddressInfo).port;
  }

  /** Stop accepting, let transactions in progress finish (bounded); runs before the store closes. */
  async beforeApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private onAuth(
    auth: SMTPServerAuthentication,
    session: SMTPServerSession,
    callback: (err: Error | null | undefined, response?: { user?: unknown }) => void,
  ): void {
    const account = this.accounts.authenticateSmtp(auth.username ?? '', auth.password ?? '');
    if (account) return callback(null, { user: account });
    // smtp-server treats a falsy user as a failed login, so "off" mode logs in as nobody in particular.
    if (this.config.smtp.authMode === 'off') return callback(null, { user: UNVERIFIED_LOGIN });
    this.logger.info({ session: session.id, ip: session.remoteAddress, method: auth.method }, 'smtp auth failed');
    callback(new SmtpRefusal('auth_failed'));
  }

  private onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void): void {
    const limit = this.config.smtp.maxMessageBytes;
    const chunks: Buffer[] = [];
    let kept = 0;
    stream.on('data', (chunk: Buffer) => {
      // Past the limit the message is refused anyway; stop holding its bytes in memory.
      if (kept + chunk.length <= limit) {
        chunks.push(chunk);
        kept += chunk.length;
      }
    });
    stream.once('error', (error) => callback(error));
    stream.once('end', () => {
      if (stream.sizeExceeded) return callback(new SmtpRefusal('message_too_big'));
      this.captureTransaction(Buffer.concat(chunks, kept), session).then(
        (queueId) => callback(null, acceptedReply(queueId)),
        (error: unknown) => callback(this.refusalFor(error, session)),
      );
    });
  }

  private async captureTransaction(raw: Buffer, session: SMTPServerSession): Promise<string> {
    const account = accountOf(session);
    const result = await this.capture.capture({
      raw,
      envelope: {
        mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
        rcptTo: session.envelope.rcptTo.map((recipient) => recipient.address),
      },
      session: sessionFacts(session, account),
      account,
    });
    this.logger.info({ session: session.id, queueId: result.queueId, bytes: raw.length, copies: result.messageIds.length }, 'message captured');
    return result.queueId;
  }

  private refusalFor(error: unknown, session: SMTPServerSession): SmtpRefusal {
    if (error instanceof StoreUnavailableError) {
      this.logger.error({ session: session.id, err: error }, 'store unavailable, message refused with 451');
      return new SmtpRefusal('store_unavailable');
    }
    this.logger.error({ session: session.id, err: error }, 'capture failed, message refused with 451');
    return new SmtpRefusal('capture_failed');
  }
}

function sessionFacts(session: SMTPServerSession, account: Account | null): SessionFacts {
  const tls = session.tlsOptions || null;
  return {
    clientIp: unmapIpv4(session.remoteAddress),
    clientHostname: session.clientHostname || null,
    heloName: session.hostNameAppearsAs || null,
    serverIp: unmapIpv4(session.localAddress),
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
