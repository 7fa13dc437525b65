export interface Account {
  id: string;
  username: string;
  isAdmin: boolean;
  /** Mailsac's "make captured mail private": star every message this account captures over SMTP. */
  capturePrivate: boolean;
  /** How many starred/private messages the account may keep. */
  messageLimit: number;
}
