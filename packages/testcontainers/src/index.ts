// A Testcontainers module for Capturebox: the image started with a known admin key (also the SMTP
// password), ready once GET /readyz answers 200 (SMTP listening, the store taking mail), with nodemailer's
// settings for its SMTP port and a client for its API on the mapped ports.
import { AbstractStartedContainer, GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { CaptureboxClient } from '@capturebox/client';

/** The image's ports (the service's defaults, @capturebox/limits' DEFAULT_PORTS: a test checks they agree). */
export const CAPTUREBOX_PORTS = { smtp: 5587, http: 8080 } as const;
export const DEFAULT_IMAGE = 'capturebox:latest';
export const DEFAULT_ADMIN_USER = 'admin';
export const DEFAULT_ADMIN_API_KEY = 'cbx_testcontainers_admin_key_0123456789';

/** nodemailer's `createTransport` options for the container's SMTP port (STARTTLS with its self-signed certificate). */
export interface SmtpSettings {
  host: string;
  port: number;
  auth: { user: string; pass: string };
  tls: { rejectUnauthorized: false };
}

export class CaptureboxContainer extends GenericContainer {
  private adminUser = DEFAULT_ADMIN_USER;
  private adminApiKey = DEFAULT_ADMIN_API_KEY;

  constructor(image = DEFAULT_IMAGE) {
    super(image);
    this.withExposedPorts(CAPTUREBOX_PORTS.smtp, CAPTUREBOX_PORTS.http)
      .withWaitStrategy(Wait.forHttp('/readyz', CAPTUREBOX_PORTS.http).forStatusCode(200))
      .withStartupTimeout(60_000);
  }

  /** The admin account's name and key (at least 16 characters): the API key and the SMTP login. */
  withAdmin(user: string, apiKey: string): this {
    this.adminUser = user;
    this.adminApiKey = apiKey;
    return this;
  }

  override async start(): Promise<StartedCaptureboxContainer> {
    this.withEnvironment({ CAPTUREBOX_ADMIN_USER: this.adminUser, CAPTUREBOX_ADMIN_API_KEY: this.adminApiKey });
    return new StartedCaptureboxContainer(await super.start(), this.adminUser, this.adminApiKey);
  }
}

export class StartedCaptureboxContainer extends AbstractStartedContainer {
  /** A client for the container's API with the admin key. */
  readonly client: CaptureboxClient;

  constructor(
    started: StartedTestContainer,
    readonly adminUser: string,
    readonly adminApiKey: string,
  ) {
    super(started);
    this.client = new CaptureboxClient({ baseUrl: this.httpUrl, apiKey: adminApiKey });
  }

  /** `http://<host>:<mapped port>`: the API, web UI, /readyz and /metrics. */
  get httpUrl(): string {
    return `http://${this.getHost()}:${this.getMappedPort(CAPTUREBOX_PORTS.http)}`;
  }

  get smtpPort(): number {
    return this.getMappedPort(CAPTUREBOX_PORTS.smtp);
  }

  get smtp(): SmtpSettings {
    return { host: this.getHost(), port: this.smtpPort, auth: { user: this.adminUser, pass: this.adminApiKey }, tls: { rejectUnauthorized: false } };
  }
}
