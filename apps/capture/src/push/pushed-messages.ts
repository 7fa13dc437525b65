// A captured message as its pushes carry it, read once however many listeners get it: the frame's JSON is
// built from the store on first use and shared for a few seconds by every socket that listens to the message.
import { Injectable } from '@nestjs/common';
import { MailboxAccess } from '../access';
import type { StoredMessage } from '../domain';
import { toPushedEmailMessage } from '../views';

/** Long enough for every listener of one capture to take the same copy; short enough to hold little. */
const SHARED_FOR_MS = 5_000;

export type PushedEmailMessage = ReturnType<typeof toPushedEmailMessage>;

@Injectable()
export class PushedMessages {
  private readonly building = new Map<string, Promise<PushedEmailMessage | null>>();

  constructor(private readonly access: MailboxAccess) {}

  /** The whole message (null when it is gone already), for a listener that access/ found may see it. */
  of(message: StoredMessage): Promise<PushedEmailMessage | null> {
    let pending = this.building.get(message.id);
    if (!pending) {
      pending = this.read(message);
      this.building.set(message.id, pending);
      setTimeout(() => this.building.delete(message.id), SHARED_FOR_MS).unref();
    }
    return pending;
  }

  private async read(message: StoredMessage): Promise<PushedEmailMessage | null> {
    const [body, raw] = await Promise.all([this.access.bodyOfFound(message), this.access.rawOfFound(message)]);
    return body && raw ? toPushedEmailMessage(message, body, raw) : null;
  }
}
