// Where the running Capturebox is, from the environment: CAPTUREBOX_URL, CAPTUREBOX_SMTP_HOST /
// CAPTUREBOX_SMTP_PORT, and CAPTUREBOX_API_KEY (also the SMTP password, with CAPTUREBOX_SMTP_USER).
const env = process.env;

/** nodemailer's transport options for the running Capturebox. */
export function smtpFromEnv() {
  const auth = env.CAPTUREBOX_API_KEY ? { user: env.CAPTUREBOX_SMTP_USER ?? 'admin', pass: env.CAPTUREBOX_API_KEY } : undefined;
  return { host: env.CAPTUREBOX_SMTP_HOST ?? 'localhost', port: Number(env.CAPTUREBOX_SMTP_PORT ?? 5587), auth, tls: { rejectUnauthorized: false } };
}
