export { loadConfig, ConfigError, CONFIG } from './config';
export type { CaptureboxConfig, SmtpAuthMode, SmtpLimits } from './config';
export { loadSelftestSettings, type SelftestSettings } from './selftest-settings';
