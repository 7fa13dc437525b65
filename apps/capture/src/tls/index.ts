export { loadTlsMaterial } from './tls-material';
export type { TlsMaterial, TlsFiles } from './tls-material';
