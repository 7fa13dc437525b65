export { createRootLogger, NestPinoLogger, ROOT_LOGGER } from './logger';
export { RequestLogMiddleware } from './request-log.middleware';
export type { Logger } from './logger';
