// The same sign-up, against a Capturebox of its own in Docker (@capturebox/testcontainers): nothing to run first.
// CAPTUREBOX_IMAGE names the image (capturebox:latest otherwise).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CaptureboxContainer } from '@capturebox/testcontainers';
import { startSignupApp } from '../app/signup-app.mjs';

let capturebox;
let app;

before(async () => {
  capturebox = await new CaptureboxContainer(process.env.CAPTUREBOX_IMAGE).start();
  app = await startSignupApp(capturebox.smtp);
});
after(async () => {
  await app?.close();
  await capturebox?.stop();
});

test('signing up mails a verification code (Capturebox in a container)', async () => {
  const email = 'new-user@signup-suite.test';
  const after = await capturebox.client.cursor();
  const sent = await app.signUp(email);

  const code = await capturebox.client.waitForCode({ to: email, subject: 'verify', after });

  assert.equal(code, sent.code);
});
