// `node apps/capture/dist/selftest.js`: proves a running Capturebox works end to end, the way a user's
// application uses it: send one message over SMTP (STARTTLS + AUTH), then read it back through the API.
// Used by the Helm chart's `helm test` pod; handy after any install. Exit code 0 = captured and readable.
import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import { loadSelftestSettings, type SelftestSettings } from './config';

const READ_BACK_TIMEOUT_MS = 15_000;

async function selftest(settings: SelftestSettings): Promise<string> {
  const inbox = `selftest-${randomBytes(6).toString('hex')}@capturebox.test`;
  const transport = nodemailer.createTransport({
    host: settings.smtpHost,
    port: settings.smtpPort,
    requireTLS: true,
    auth: { user: settings.username, pass: settings.apiKey },
    // The appliance often runs on a self-signed or cluster-internal certificate.
    tls: { rejectUnauthorized: false },
  });
  const info = await transport.sendMail({ from: 'selftest@capturebox.test', to: inbox, subject: 'Capturebox selftest', text: 'selftest' });
  transport.close();
  const deadline = Date.now() + READ_BACK_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const response = await fetch(`${settings.apiBase}/api/addresses/${inbox}/messages`, { headers: { 'Mailsac-Key': settings.apiKey } });
    if (response.ok) {
      const messages = (await response.json()) as Array<{ subject?: string }>;
      if (messages.some((message) => message.subject === 'Capturebox selftest')) {
        await fetch(`${settings.apiBase}/api/addresses/${inbox}/messages`, { method: 'DELETE', headers: { 'Mailsac-Key': settings.apiKey } });
        return `ok: ${info.response.trim()}; read back from ${inbox}`;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`sent (${info.response.trim()}) but not readable from ${inbox} within ${READ_BACK_TIMEOUT_MS} ms`);
}

if (require.main === module) {
  Promise.resolve()
    .then(() => selftest(loadSelftestSettings()))
    .then(
      (result) => {
        process.stdout.write(`capturebox selftest ${result}\n`);
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`capturebox selftest failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
}
