// The app under test: a sign-up page that mails a verification code and link through nodemailer, and the
// page the link opens. Stands in for your own app; the suite's tests drive it and read its mail back.
import { createServer } from 'node:http';
import { randomBytes, randomInt } from 'node:crypto';
import nodemailer from 'nodemailer';

const PAGE = `<!doctype html><title>Sign up</title>
<form method="post" action="/signup"><label>E-mail <input name="email" type="email" required></label><button>Sign up</button></form>`;

/** Starts the app on a free loopback port; `smtp` is nodemailer's transport options (host, port, auth, tls). */
export async function startSignupApp(smtp) {
  const transport = nodemailer.createTransport(smtp);
  const pending = new Map(); // token -> address
  const server = createServer(async (request, response) => {
    const url = new URL(request.url, 'http://app');
    if (request.method === 'GET' && url.pathname === '/') return html(response, 200, PAGE);
    if (request.method === 'POST' && url.pathname === '/signup') {
      const email = new URLSearchParams(await bodyOf(request)).get('email') ?? '';
      await app.signUp(email);
      return html(response, 200, `<p>Check ${escape(email)} for your code.</p>`);
    }
    if (request.method === 'GET' && url.pathname === '/verify' && pending.has(url.searchParams.get('token'))) {
      return html(response, 200, `<h1>Welcome, ${escape(pending.get(url.searchParams.get('token')))}: your account is verified</h1>`);
    }
    html(response, 404, '<p>Not found</p>');
  });
  await new Promise((listening) => server.listen(0, '127.0.0.1', listening));
  const app = {
    url: `http://127.0.0.1:${server.address().port}`,
    /** What the form does: a code and a link, mailed; resolves once the SMTP server took the mail. */
    async signUp(email) {
      const token = randomBytes(12).toString('hex');
      const code = String(randomInt(100000, 1000000));
      pending.set(token, email);
      const link = `${app.url}/verify?token=${token}`;
      await transport.sendMail({
        from: 'no-reply@signup-app.test',
        to: email,
        subject: 'Verify your account',
        text: `Your verification code is ${code}.\nOr open ${link}`,
        html: `<p>Your verification code is <b>${code}</b>.</p><p><a href="${link}">Verify my account</a></p>`,
      });
      return { code, link };
    },
    async close() {
      transport.close();
      await new Promise((closed) => server.close(closed));
    },
  };
  return app;
}

function html(response, status, body) {
  response.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(body);
}

function bodyOf(request) {
  return new Promise((done, failed) => {
    let text = '';
    request.setEncoding('utf8').on('data', (chunk) => (text += chunk)).on('end', () => done(text)).on('error', failed);
  });
}

const escape = (text) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
