export { loadTlsMaterial } from './tls-material';
export type { TlsMaterial, TlsFiles } from './tls-material';
export { TlsFileWatcher } from './tls-file-watcher';
export { TlsModule } from './tls.module';
export { TlsCertificates } from './tls-certificates.service';
