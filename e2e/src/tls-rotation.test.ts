// cert-manager renews a certificate and Kubernetes swaps the mounted Secret through the `..data`
// symlink. New STARTTLS and implicit-TLS handshakes must see the new certificate without a restart,
// while a session opened before keeps working.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { generate } from 'selfsigned';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess, eventually } from './support/capturebox-process';
import { SmtpDialog } from './support/smtp-dialog';

async function certificatePair(commonName: string) {
  const pems = await generate([{ name: 'commonName', value: commonName }], { keyType: 'ec', algorithm: 'sha256' });
  return { cert: pems.cert, key: pems.private, fingerprint: new X509Certificate(pems.cert).fingerprint256 };
}

/** Writes a Secret volume the way the kubelet does: a timestamped dir, `..data` pointing at it. */
function publishSecret(dir: string, name: string, pair: { cert: string; key: string }): void {
  const version = join(dir, `..${name}`);
  mkdirSync(version);
  writeFileSync(join(version, 'tls.crt'), pair.cert);
  writeFileSync(join(version, 'tls.key'), pair.key);
  symlinkSync(`..${name}`, join(dir, '..data_tmp'));
  renameSync(join(dir, '..data_tmp'), join(dir, '..data')); // atomic swap
}

async function implicitTlsFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.destroy();
      resolve(fingerprint);
    });
    socket.once('error', reject);
  });
}

/** GET /healthz over HTTPS; the certificate the HTTP side presented, and the status. */
async function httpsHealth(port: number): Promise<{ fingerprint: string; status: number }> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest({ host: '127.0.0.1', port, path: '/healthz', rejectUnauthorized: false, agent: false }, (response) => {
      const fingerprint = (response.socket as TLSSocket).getPeerCertificate().fingerprint256;
      response.resume();
      response.on('end', () => resolve({ fingerprint, status: response.statusCode ?? 0 }));
    });
    request.once('error', reject);
    request.end();
  });
}

async function startTlsFingerprint(port: number): Promise<string> {
  const { dialog } = await SmtpDialog.open(port);
  await dialog.secureLogin(ADMIN_USER, ADMIN_API_KEY);
  const fingerprint = dialog.peerCertificateFingerprint!;
  dialog.close();
  return fingerprint;
}

describe('certificate rotation under a running server', () => {
  let box: CaptureboxProcess;
  let secretDir: string;
  let first: Awaited<ReturnType<typeof certificatePair>>;
  let second: Awaited<ReturnType<typeof certificatePair>>;

  before(async () => {
    secretDir = mkdtempSync(join(tmpdir(), 'capturebox-secret-'));
    [first, second] = await Promise.all([certificatePair('first.capture.test'), certificatePair('second.capture.test')]);
    publishSecret(secretDir, '2026_11_25_first', first);
    symlinkSync('..data/tls.crt', join(secretDir, 'tls.crt'));
    symlinkSync('..data/tls.key', join(secretDir, 'tls.key'));
    box = await CaptureboxProcess.start({
      env: {
        CAPTUREBOX_TLS_CERT_FILE: join(secretDir, 'tls.crt'),
        CAPTUREBOX_TLS_KEY_FILE: join(secretDir, 'tls.key'),
        CAPTUREBOX_TLS_RELOAD_INTERVAL_MS: '200',
        CAPTUREBOX_SMTPS_PORT: '0',
      },
    });
  });
  after(async () => {
    await box.dispose();
    rmSync(secretDir, { recursive: true, force: true });
  });

  test('new handshakes get the new certificate; a session opened before keeps working', async () => {
    const smtpsPort = Number(box.readyLine.smtpsPort);
    assert.ok(smtpsPort > 0, 'implicit TLS port is listening');
    assert.equal(await startTlsFingerprint(box.smtpPort), first.fingerprint);
    assert.equal(await implicitTlsFingerprint(smtpsPort), first.fingerprint);

    const { dialog: longLived } = await SmtpDialog.open(box.smtpPort);
    await longLived.secureLogin(ADMIN_USER, ADMIN_API_KEY);
    assert.equal(longLived.peerCertificateFingerprint, first.fingerprint);

    publishSecret(secretDir, '2026_11_26_second', second);
    await eventually(async () => ((await startTlsFingerprint(box.smtpPort)) === second.fingerprint ? true : undefined), 10_000);
    assert.equal(await implicitTlsFingerprint(smtpsPort), second.fingerprint);

    const reply = await longLived.sendMessage('a@example.com', 'rotation@example.com', 'Subject: sent on the old session\n\nstill works');
    assert.equal(reply.code, 250, reply.text);
    longLived.close();
    const listed = (await (await box.api('/api/addresses/rotation@example.com/messages')).json()) as Array<{ subject: string }>;
    assert.deepEqual(listed.map((m) => m.subject), ['sent on the old session']);
  });

  test('a broken renewal keeps the last good certificate', async () => {
    const current = await startTlsFingerprint(box.smtpPort);
    publishSecret(secretDir, '2026_11_27_broken', { cert: 'not a certificate', key: 'not a key' });
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(await startTlsFingerprint(box.smtpPort), current);
    assert.ok(box.running);
  });

  test('with CAPTUREBOX_HTTP_TLS the HTTP side serves the same certificate and follows its rotation', async () => {
    // The previous test left a broken pair published; a fresh start needs a good one.
    publishSecret(secretDir, '2026_11_27_good', await certificatePair('fourth.capture.test'));
    const https = await CaptureboxProcess.start({
      env: {
        CAPTUREBOX_TLS_CERT_FILE: join(secretDir, 'tls.crt'),
        CAPTUREBOX_TLS_KEY_FILE: join(secretDir, 'tls.key'),
        CAPTUREBOX_TLS_RELOAD_INTERVAL_MS: '200',
        CAPTUREBOX_HTTP_TLS: 'true',
      },
    });
    try {
      const current = await startTlsFingerprint(https.smtpPort);
      const before = await httpsHealth(https.httpPort);
      assert.deepEqual(before, { fingerprint: current, status: 200 });
      const third = await certificatePair('third.capture.test');
      publishSecret(secretDir, '2026_11_28_third', third);
      await eventually(async () => ((await httpsHealth(https.httpPort)).fingerprint === third.fingerprint ? true : undefined), 10_000);
      assert.equal(await startTlsFingerprint(https.smtpPort), third.fingerprint);
    } finally {
      await https.dispose();
    }
  });
});
