// Who is asking: resolves SMTP logins and API keys to accounts. For now the only account is the
// bootstrap admin; the accounts issue adds stored accounts with several keys each behind this same API.
import { Inject, Injectable } from '@nestjs/common';
import type { Account } from './account';
import { apiKeyMatches } from './api-keys';
import type { BootstrapAdminKey } from './bootstrap-admin';

export const BOOTSTRAP_ADMIN_KEY = Symbol('BootstrapAdminKey');
export const ADMIN_ACCOUNT_ID = 'admin';

@Injectable()
export class AccountsService {
  private readonly admin: Account;

  constructor(
    @Inject(BOOTSTRAP_ADMIN_KEY) private readonly adminKey: BootstrapAdminKey,
    @Inject('ADMIN_USERNAME') adminUsername: string,
  ) {
    this.admin = { id: ADMIN_ACCOUNT_ID, username: adminUsername, isAdmin: true, capturePrivate: false, messageLimit: 100_000 };
  }

  /** The account an API key belongs to, or null for an unknown key. */
  findByApiKey(apiKey: string): Account | null {
    return apiKeyMatches(apiKey, this.adminKey.keyHash) ? this.admin : null;
  }

  /** SMTP AUTH: username (the account's, case-insensitive) plus one of its API keys. */
  authenticateSmtp(username: string, apiKey: string): Account | null {
    const account = this.findByApiKey(apiKey);
    if (!account) return null;
    return account.username.toLowerCase() === username.trim().toLowerCase() ? account : null;
  }
}
