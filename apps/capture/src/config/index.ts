export { loadConfig, ConfigError, CONFIG } from './config';
export type { CaptureboxConfig, SmtpAuthMode, SmtpLimits } from './config';
