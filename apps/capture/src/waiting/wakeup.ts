// One waiter's doorbell: `ring` from a capture that could match, `next` until it rings, the deadline passes
// or the request is gone. A ring while the waiter is busy asking the store is kept, so none is lost.
export class Wakeup {
  private rung = false;
  private answer: ((woke: boolean) => void) | null = null;

  ring(): void {
    if (this.answer) this.answer(true);
    else this.rung = true;
  }

  /** True when rung (now or before), false at the deadline or on abort. */
  next(deadline: number, signal: AbortSignal): Promise<boolean> {
    if (this.rung) {
      this.rung = false;
      return Promise.resolve(true);
    }
    if (signal.aborted || Date.now() >= deadline) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (woke: boolean) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.answer = null;
        resolve(woke);
      };
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), deadline - Date.now());
      signal.addEventListener('abort', onAbort, { once: true });
      this.answer = finish;
    });
  }
}
