export { SmtpModule } from './smtp.module';
export { SmtpCaptureServer } from './smtp-capture.server';
