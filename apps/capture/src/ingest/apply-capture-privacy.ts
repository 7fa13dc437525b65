// Privacy stage: an account with "make captured mail private" stars what it captures over SMTP,
// which makes those copies readable only with its key. Address and domain ownership come later.
import type { StoredMessage } from '../domain';

export interface CapturingAccount {
  id: string;
  capturePrivate: boolean;
}

export function applyCapturePrivacy(copies: StoredMessage[], account: CapturingAccount | null): StoredMessage[] {
  if (!account?.capturePrivate) return copies;
  return copies.map((copy) => ({ ...copy, savedBy: account.id }));
}
