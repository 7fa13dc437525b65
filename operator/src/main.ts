// Entry point: `node operator/dist/main.js`. In a pod it uses its ServiceAccount; elsewhere $KUBECONFIG.
import { KubeConfig } from '@kubernetes/client-node';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logging';
import { startHttpServer } from './runtime/http-server';
import { CaptureOperator } from './runtime/operator';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();

  let exiting = false;
  const operator = new CaptureOperator(kubeConfig, config, logger, {
    onLostLeadership: () => {
      // As client-go does: a replica that lost the Lease restarts clean rather than guess what it still owns.
      exiting = true;
      process.exitCode = 1;
      void http.server.close();
      setTimeout(() => process.exit(1), 100).unref();
    },
  });
  const http = await startHttpServer(config.http.bind, config.http.port, operator.metrics.registry, operator);
  logger.info({ port: http.port, bind: config.http.bind }, 'serving /metrics, /healthz and /readyz');
  await operator.start();

  const shutdown = async (signal: string) => {
    if (exiting) return;
    exiting = true;
    logger.info({ signal }, 'stopping: finishing reconciles in hand, then releasing the Lease');
    const force = setTimeout(() => process.exit(1), 20_000);
    force.unref();
    await operator.stop();
    http.server.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`capturebox-operator: ${message}\n`);
  process.exit(1);
});
