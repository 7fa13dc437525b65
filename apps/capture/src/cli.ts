// `node apps/capture/dist/cli.js <command>`: account administration from a shell (or `kubectl exec`),
// on the same store the service uses (same CAPTUREBOX_* environment). New API keys are printed once.
//
//   accounts list
//   accounts create <username> [--capture-private] [--message-limit N] [--admin]
//   accounts update <username> [--capture-private=true|false] [--message-limit N]
//   accounts delete <username>
//   keys create <username> [--label TEXT]
//   keys list <username>
//   keys revoke <username> <keyId>
//   domains add <username> <domain>
//   domains remove <username> <domain>
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AccountsService, BOOTSTRAP_ADMIN_KEY, type BootstrapAdminKey } from './accounts';
import { CliModule } from './cli.module';
import { loadConfig } from './config';

type Flags = Record<string, string | true>;

function parseArgs(argv: string[]): { words: string[]; flags: Flags } {
  const words: string[] = [];
  const flags: Flags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      words.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split('=', 2);
    if (inline !== undefined) flags[name] = inline;
    else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--') && name !== 'capture-private' && name !== 'admin') flags[name] = argv[++i];
    else flags[name] = true;
  }
  return { words, flags };
}

function flagBoolean(flags: Flags, name: string): boolean | undefined {
  const value = flags[name];
  if (value === undefined) return undefined;
  if (value === true || value === 'true') return true;
  if (value === 'false') return false;
  throw new Error(`--${name} takes true or false`);
}

function flagNumber(flags: Flags, name: string): number | undefined {
  const value = flags[name];
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new Error(`--${name} takes a whole number`);
  return number;
}

async function run(accounts: AccountsService, words: string[], flags: Flags): Promise<unknown> {
  const [group, command, ...rest] = words;
  const account = async (name: string | undefined) => {
    if (!name) throw new Error('which account? give its username');
    const found = await accounts.getAccount(name);
    if (!found) throw new Error(`no account ${name}`);
    return found;
  };
  switch (`${group} ${command}`) {
    case 'accounts list':
      return accounts.listAccounts();
    case 'accounts create': {
      const { account: created, key } = await accounts.createAccount(rest[0] ?? '', {
        capturePrivate: flagBoolean(flags, 'capture-private'),
        messageLimit: flagNumber(flags, 'message-limit'),
        isAdmin: flagBoolean(flags, 'admin'),
      });
      return { account: created, keyId: key.id, apiKey: key.apiKey, note: 'the API key is shown once; store it now' };
    }
    case 'accounts update':
      return accounts.updateAccount((await account(rest[0])).id, { capturePrivate: flagBoolean(flags, 'capture-private'), messageLimit: flagNumber(flags, 'message-limit') });
    case 'accounts delete':
      return { deleted: await accounts.deleteAccount((await account(rest[0])).id) };
    case 'keys create': {
      const key = await accounts.issueApiKey((await account(rest[0])).id, typeof flags.label === 'string' ? flags.label : '');
      return { keyId: key.id, apiKey: key.apiKey, note: 'the API key is shown once; store it now' };
    }
    case 'keys list':
      return accounts.listApiKeys((await account(rest[0])).id);
    case 'keys revoke':
      return { revoked: await accounts.revokeApiKey((await account(rest[0])).id, rest[1] ?? '') };
    case 'domains add':
      return { result: await accounts.claimDomain((await account(rest[0])).id, rest[1] ?? '') };
    case 'domains remove':
      return { released: await accounts.releaseDomain((await account(rest[0])).id, rest[1] ?? '') };
    default:
      throw new Error(`unknown command "${words.join(' ')}"; see the list at the top of apps/capture/src/cli.ts or the README`);
  }
}

async function main(): Promise<number> {
  const { words, flags } = parseArgs(process.argv.slice(2));
  const app = await NestFactory.createApplicationContext(CliModule.with(loadConfig()), { logger: false });
  try {
    const adminKey = app.get<BootstrapAdminKey>(BOOTSTRAP_ADMIN_KEY);
    if (adminKey.generatedKey) {
      // First use of this data directory: the admin key was generated here, so it is shown here, once.
      process.stderr.write(`capturebox generated the admin API key (shown once, keep it): ${adminKey.generatedKey}\n`);
    }
    const result = await run(app.get(AccountsService), words, flags);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } finally {
    await app.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`capturebox: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
