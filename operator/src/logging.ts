// JSON lines on stdout (pino), as the capture service logs. No Secret content is ever logged.
import pino, { type Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({ level, base: { component: 'capturebox-operator' }, timestamp: pino.stdTimeFunctions.isoTime });
}
