export { createRootLogger, NestPinoLogger, ROOT_LOGGER } from './logger';
export type { Logger } from './logger';
