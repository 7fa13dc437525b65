// Starts Capturebox: parse config, build the Nest app, open the HTTP and SMTP listeners, log where they
// are, and shut down cleanly on SIGTERM/SIGINT.
import 'reflect-metadata';
import type { NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { BOOTSTRAP_ADMIN_KEY, type BootstrapAdminKey } from './accounts';
import { ApiExceptionFilter } from './api';
import { AppModule } from './app.module';
import { ConfigError, loadConfig, type CaptureboxConfig } from './config';
import { createRootLogger, NestPinoLogger, RequestLogMiddleware, type Logger } from './logging';
import { CaptureMetrics } from './metrics';
import { IncomingMessagesSocket } from './push';
import { SmtpCaptureServer } from './smtp';
import { loadTlsMaterial, TlsCertificates } from './tls';

/** Request bodies on this API are tiny (no endpoint takes mail by HTTP yet). */
const MAX_JSON_BODY = '100kb';

async function main(): Promise<void> {
  let config: CaptureboxConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`capturebox: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createRootLogger(config.logLevel);

  const tls = await loadTlsMaterial(config.tls, config.dataDir, config.smtp.hostname ?? 'localhost');
  const app = await NestFactory.create<NestExpressApplication>(AppModule.with(config, logger, tls), {
    logger: new NestPinoLogger(logger.child({ module: 'nest' })),
    bodyParser: false,
    // Nest hands these to https.createServer, which takes every tls option (its type lists only a few).
    httpsOptions: config.http.tls ? ({ key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2' } as NestApplicationOptions['httpsOptions']) : undefined,
  });
  app.useBodyParser('json', { limit: MAX_JSON_BODY });
  app.use(new RequestLogMiddleware(logger.child({ module: 'http' })).handler);
  app.useGlobalFilters(new ApiExceptionFilter(logger.child({ module: 'api' }), app.get(CaptureMetrics)));
  app.disable('x-powered-by');
  if (config.http.tls) {
    // New HTTPS handshakes use a renewed certificate; open connections keep theirs.
    const server = app.getHttpServer() as HttpsServer;
    app.get(TlsCertificates).onChange((material) => server.setSecureContext({ key: material.key, cert: material.cert, minVersion: 'TLSv1.2' }));
  }

  // Mailsac's WebSocket shares the HTTP port (and its TLS), taking the upgrades.
  app.get(IncomingMessagesSocket).attach(app.getHttpServer());
  await app.listen(config.http.port, config.bind);
  const httpPort = (app.getHttpServer().address() as AddressInfo).port;
  const smtpPorts = await app.get(SmtpCaptureServer).listen();

  const adminKey = app.get<BootstrapAdminKey>(BOOTSTRAP_ADMIN_KEY);
  if (adminKey.generatedKey) {
    // Printed once, on stdout only, at the first start; only its hash is kept.
    process.stdout.write(
      `\n  Capturebox generated an admin API key (shown once, keep it):\n\n    user: ${config.admin.username}\n    key:  ${adminKey.generatedKey}\n\n`,
    );
  }
  stopOnSignals(app, logger);
  logger.info(
    {
      smtpPort: smtpPorts.smtp,
      smtpsPort: smtpPorts.implicitTls,
      httpPort,
      httpTls: config.http.tls,
      bind: config.bind,
      smtpAuth: config.smtp.authMode,
      proxyProtocol: config.smtp.proxyProtocol,
      maxMessageBytes: config.smtp.maxMessageBytes,
      dataDir: config.dataDir,
      tlsCertificate: tls.source,
    },
    `capturebox ready: SMTP on ${config.bind}:${smtpPorts.smtp}${smtpPorts.implicitTls ? `, SMTPS on ${config.bind}:${smtpPorts.implicitTls}` : ''}, ` +
      `${config.http.tls ? 'HTTPS' : 'HTTP'} on ${config.bind}:${httpPort}`,
  );
}

/** SIGTERM/SIGINT: close listeners, finish SMTP transactions, close the store, exit 0. */
function stopOnSignals(app: NestExpressApplication, logger: Logger): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    app.close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`capturebox: failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
