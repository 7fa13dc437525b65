export { SmtpModule } from './smtp.module';
export { SmtpCaptureServer, type SmtpPorts } from './smtp-capture.server';
