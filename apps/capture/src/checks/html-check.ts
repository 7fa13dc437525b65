// Which HTML and CSS features of a message's HTML which mail clients do not support, or only in part: caniemail's
// data (caniemail.com, MIT) through @jsx-email/doiuse-email (MIT; chosen over `caniemail`, whose data is newer
// but which is ESM-only, needs Node 22 and pulls a Prettier plugin at run time, and over `doiuse-email`, whose
// data stopped in 2023). The library answers sentences; they are read back here into one row per feature.
import type * as DoIUseEmail from '@jsx-email/doiuse-email';
import { loadOnFirstUse } from '../load-on-first-use';

// About 4 MB once loaded (caniemail's data), for a check that runs only when someone opens a Checks tab.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy require is the point
const doiuse = loadOnFirstUse(() => require('@jsx-email/doiuse-email') as typeof DoIUseEmail);

/** HTML longer than this is checked up to here (`truncated`): the library builds a whole DOM. */
export const MAX_CHECKED_HTML = 512 * 1024;

export type FeatureSupport = 'unsupported' | 'partial';

export interface HtmlFeatureIssue {
  /** caniemail's name of the feature, e.g. `display:flex`, `<svg> element`. */
  feature: string;
  support: FeatureSupport;
  /** The clients, as caniemail names them: `family.platform`, e.g. `outlook.windows`. */
  clients: string[];
}

export interface HtmlCheck {
  /** False when the message has no HTML part: nothing was checked. */
  checked: boolean;
  truncated: boolean;
  issues: HtmlFeatureIssue[];
}

const SENTENCES: ReadonlyArray<[RegExp, FeatureSupport]> = [
  [/^`(.+)` is not supported by `([^`]+)`$/s, 'unsupported'],
  [/^`(.+)` is only partially supported by `([^`]+)`$/s, 'partial'],
];

/** Every client caniemail knows, by the library's glob. */
export function checkHtml(html: string | null): HtmlCheck {
  if (html === null || html.trim() === '') return { checked: false, truncated: false, issues: [] };
  const truncated = html.length > MAX_CHECKED_HTML;
  const result = doiuse().doIUseEmail(truncated ? html.slice(0, MAX_CHECKED_HTML) : html, { emailClients: ['*'] });
  const byFeature = new Map<string, HtmlFeatureIssue>();
  for (const sentence of [...('errors' in result ? result.errors : []), ...result.warnings]) {
    for (const [pattern, support] of SENTENCES) {
      const match = pattern.exec(sentence);
      if (!match) continue;
      const [, feature, client] = match as unknown as [string, string, string];
      const key = `${support} ${feature}`;
      const issue = byFeature.get(key) ?? { feature, support, clients: [] };
      if (!issue.clients.includes(client)) issue.clients.push(client);
      byFeature.set(key, issue);
      break;
    }
  }
  return { checked: true, truncated, issues: [...byFeature.values()] };
}
