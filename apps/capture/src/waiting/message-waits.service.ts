// Server-side waits for a message. A test takes a cursor (the server's clock) before it triggers its mail,
// then waits: the answer is the oldest message in the reader's scope received at or after the cursor that
// meets the conditions, or null at the deadline. So a message that lands between "send" and "wait" is found
// by the first look, and one that lands later rings the wait from the one "after captured" point (events/):
// no wait polls the store; a capture whose summary could match (matchesFilter) makes it look once more.
import { Inject, Injectable } from '@nestjs/common';
import { MailboxAccess, type ScopedFilter } from '../access';
import { CONFIG, type CaptureboxConfig } from '../config';
import type { StoredMessage } from '../domain';
import { MessageEvents } from '../events';
import { CaptureMetrics } from '../metrics';
import { matchesFilter, type MessageFilter, type SearchScope } from '../store';
import { Wakeup } from './wakeup';

export interface WaitRequest {
  /** From access/: what the reader may see (null: nothing, so the wait only ends at its deadline). */
  scope: SearchScope | null;
  /** Summary conditions and the cursor (`since`). */
  filter: ScopedFilter;
  /** Case-insensitive text the body (plain text or HTML source) must contain. */
  bodyContains?: string;
  timeoutMs: number;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

/** Refused at the door: the process already holds as many waits as it was told to. */
export class TooManyWaits extends Error {
  readonly failure = 'too_many_waits';
  override name = 'TooManyWaits';
  constructor() {
    super('Too many waits are open, try again later.');
  }
}

/** Messages checked for body text per look: a wait for a body phrase in a busy scope stays bounded. */
const BODY_CANDIDATES = 50;
/** Candidates whose body was read and did not match, remembered so each is read once per wait. */
const MAX_REJECTED = 1000;

@Injectable()
export class MessageWaits {
  private open = 0;

  constructor(
    private readonly access: MailboxAccess,
    private readonly events: MessageEvents,
    @Inject(CONFIG) private readonly config: CaptureboxConfig,
    metrics: CaptureMetrics,
  ) {
    metrics.waitsOpen.measuredBy(() => this.open);
  }

  async waitFor(request: WaitRequest): Promise<StoredMessage | null> {
    if (this.open >= this.config.waits.maxOpen) throw new TooManyWaits();
    this.open++;
    const wakeup = new Wakeup();
    // Listen before the first look, so a capture between that look and the subscription still rings.
    const unsubscribe = request.scope ? this.listen(request.scope, { ...request.filter, scope: request.scope }, wakeup) : () => {};
    try {
      const deadline = Date.now() + request.timeoutMs;
      const rejected = new Set<string>();
      do {
        const found = await this.firstMatch(request, rejected);
        if (found) return found;
      } while (await wakeup.next(deadline, request.signal));
      return null;
    } finally {
      unsubscribe();
      this.open--;
    }
  }

  /** Rings on each capture in the scope whose summary meets the filter; an inbox wait hears only its inbox. */
  private listen(scope: SearchScope, filter: MessageFilter, wakeup: Wakeup): () => void {
    const ringIfMatching = (message: StoredMessage) => {
      if (matchesFilter(message, filter)) wakeup.ring();
    };
    return scope.kind === 'inbox' ? this.events.onCaptured(scope.inbox, ringIfMatching) : this.events.onAnyCaptured(ringIfMatching);
  }

  private async firstMatch(request: WaitRequest, rejected: Set<string>): Promise<StoredMessage | null> {
    const needle = request.bodyContains?.toLowerCase();
    if (!needle) return (await this.access.search(request.scope, { ...request.filter, order: 'oldest', limit: 1 }))[0] ?? null;
    const candidates = await this.access.search(request.scope, { ...request.filter, order: 'oldest', limit: rejected.size + BODY_CANDIDATES });
    for (const candidate of candidates) {
      if (rejected.has(candidate.id)) continue;
      const body = await this.access.bodyOfFound(candidate);
      if (body && [body.text, body.html].some((part) => part?.toLowerCase().includes(needle))) return candidate;
      if (rejected.size < MAX_REJECTED) rejected.add(candidate.id);
    }
    return null;
  }
}
