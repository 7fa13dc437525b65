// One HTTP call to Capturebox with the platform's fetch: the key in Mailsac's header, query parameters
// encoded (undefined ones left out), JSON in and out, and any answer that is not 2xx thrown as its typed error.
import { errorFor, type ErrorBody } from './errors';

export interface HttpOptions {
  /** The service's root URL, e.g. `http://localhost:8080` (its API is under `/api`). */
  baseUrl: string;
  /** Sent as `Mailsac-Key`; public inboxes need none. */
  apiKey?: string;
  /** Another fetch (a proxy's, say); the global one by default. */
  fetch?: typeof fetch;
}

export type QueryValues = Record<string, string | number | boolean | undefined>;

export interface CallOptions {
  query?: QueryValues;
  body?: unknown;
  signal?: AbortSignal;
}

export class Http {
  private readonly root: string;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly options: HttpOptions) {
    this.root = options.baseUrl.replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? fetch;
  }

  /** The answer when it is a 2xx (a wait's 204 too: the caller reads the status); anything else is thrown. */
  async send(method: string, path: string, call: CallOptions = {}): Promise<Response> {
    const url = new URL(this.root + path);
    for (const [name, value] of Object.entries(call.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.apiKey) headers['mailsac-key'] = this.options.apiKey;
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    const response = await this.fetchFn(url, { method, headers, body: call.body === undefined ? undefined : JSON.stringify(call.body), signal: call.signal });
    if (!response.ok) throw errorFor(response.status, await errorBody(response), `${method} ${path}`);
    return response;
  }

  async json<T>(method: string, path: string, call?: CallOptions): Promise<T> {
    return (await (await this.send(method, path, call)).json()) as T;
  }

  async text(path: string, call?: CallOptions): Promise<string> {
    return (await this.send('GET', path, call)).text();
  }
}

async function errorBody(response: Response): Promise<ErrorBody> {
  const text = await response.text();
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') return parsed as ErrorBody;
  } catch {
    // not JSON (a proxy's page, say): keep the text as the message
  }
  return text ? { message: text } : {};
}

/** One path segment: an address, id or label as it must appear in a URL. */
export const segment = (value: string) => encodeURIComponent(value);
