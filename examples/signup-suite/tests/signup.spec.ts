// The browser signs up with the test's own address (the mailbox fixture), then follows the mailed link.
import { expect, test } from '@capturebox/playwright';
import { startSignupApp } from '../app/signup-app.mjs';
import { smtpFromEnv } from '../app/capturebox-env.mjs';

let app: Awaited<ReturnType<typeof startSignupApp>>;
test.beforeAll(async () => {
  app = await startSignupApp(smtpFromEnv());
});
test.afterAll(() => app.close());

test('sign up and follow the verification link', async ({ page, mailbox }) => {
  await page.goto(app.url);
  await page.getByLabel('E-mail').fill(mailbox.address);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.getByText(`Check ${mailbox.address}`)).toBeVisible();

  await page.goto(await mailbox.waitForLink({ matching: '/verify' }));

  await expect(page.getByRole('heading')).toHaveText(`Welcome, ${mailbox.address}: your account is verified`);
});

test('the code in the mail is the one the app issued', async ({ mailbox }) => {
  const sent = await app.signUp(mailbox.address);
  expect(await mailbox.waitForCode()).toBe(sent.code);
});
