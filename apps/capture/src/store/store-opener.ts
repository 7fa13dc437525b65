// Opens the store at start-up and, when the database is not reachable yet (MongoDB still starting, a
// network blip), keeps trying in the background instead of crashing: until it opens, every store call
// fails with StoreUnavailableError, so SMTP answers 451, the API 503 and /readyz stays not ready.
import type { Logger } from '../logging';
import { StoreUnavailableError } from './message-store';

/** Anything opened once against a database that may not be up yet. */
export interface Openable {
  open(): Promise<void>;
}

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;

export class StoreOpener {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly store: Openable,
    private readonly logger: Logger,
    /** Work that needs the open store (e.g. creating the bootstrap admin); retried with the open. */
    private readonly afterOpen: () => Promise<void> = async () => undefined,
  ) {}

  /** Resolves once the first attempt is done (opened or not); configuration errors are thrown. */
  async openOrKeepTrying(): Promise<void> {
    if (await this.attempt()) return;
    this.scheduleRetry(FIRST_RETRY_MS);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async attempt(): Promise<boolean> {
    try {
      await this.store.open();
      await this.afterOpen();
      return true;
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      this.logger.warn({ err: error }, 'store not reachable yet; mail is refused with 451 until it is');
      return false;
    }
  }

  private scheduleRetry(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(async () => {
      if (this.stopped) return;
      try {
        if (await this.attempt()) {
          this.logger.info('store reachable, capturing again');
          return;
        }
      } catch (error) {
        this.logger.error({ err: error }, 'store cannot be opened');
      }
      this.scheduleRetry(Math.min(delayMs * 2, MAX_RETRY_MS));
    }, delayMs);
    this.timer.unref();
  }
}
