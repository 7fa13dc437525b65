// The suite against a Capturebox that is already running (CI's service container, `make run`...), found
// from the environment (app/capturebox-env.mjs).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CaptureboxClient } from '@capturebox/client';
import { startSignupApp } from '../app/signup-app.mjs';
import { smtpFromEnv } from '../app/capturebox-env.mjs';

const capturebox = new CaptureboxClient({ baseUrl: process.env.CAPTUREBOX_URL ?? 'http://localhost:8080', apiKey: process.env.CAPTUREBOX_API_KEY });
let app;

before(async () => {
  app = await startSignupApp(smtpFromEnv());
});
after(() => app.close());

test('signing up mails a verification code', async () => {
  const email = `new-user-${Date.now()}@signup-suite.test`;
  const after = await capturebox.cursor();
  const sent = await app.signUp(email);

  const code = await capturebox.waitForCode({ to: email, subject: 'verify', after });

  assert.equal(code, sent.code);
});
