// The headers that say how a message travelled and whether it is authentic, made readable: the
// Received: hops oldest first, and the SPF/DKIM/DMARC verdicts of Authentication-Results and friends.
import type { HeaderField } from '../api-client';

const AUTH_HEADERS = ['authentication-results', 'arc-authentication-results', 'received-spf', 'dkim-signature', 'arc-seal', 'return-path'];
const VERDICT = /\b(spf|dkim|dmarc|arc|bimi|auth)=(\w+)/gi;
const GOOD = new Set(['pass']);
const BAD = new Set(['fail', 'softfail', 'permerror', 'temperror', 'hardfail']);

export interface Verdict {
  method: string;
  result: string;
}

export function verdictsOf(headers: HeaderField[]): Verdict[] {
  const found: Verdict[] = [];
  for (const header of headers) {
    if (!/^(arc-)?authentication-results$/i.test(header.name)) continue;
    for (const match of header.value.matchAll(VERDICT)) found.push({ method: match[1].toUpperCase(), result: match[2].toLowerCase() });
  }
  return found;
}

/** "from a by b with c; date" split into its parts, as a hop. */
function hopOf(value: string): { from: string | null; by: string | null; when: string | null; rest: string } {
  const [route, when] = value.split(/;(?=[^;]*$)/);
  const from = /\bfrom\s+(\S+(?:\s+\([^)]*\))?)/i.exec(route)?.[1] ?? null;
  const by = /\bby\s+(\S+)/i.exec(route)?.[1] ?? null;
  return { from, by, when: when?.trim() ?? null, rest: route.trim() };
}

export function DeliveryFacts({ headers }: { headers: HeaderField[] }) {
  // Each hop adds its Received: on top, so the first one travelled last.
  const hops = headers.filter((header) => header.name.toLowerCase() === 'received').reverse();
  const auth = headers.filter((header) => AUTH_HEADERS.includes(header.name.toLowerCase()));
  const verdicts = verdictsOf(headers);
  return (
    <section class="delivery-facts" aria-labelledby="delivery-title">
      <h2 id="delivery-title" class="delivery-facts__title">
        Delivery and authentication
      </h2>
      {verdicts.length > 0 ? (
        <ul class="verdicts" aria-label="Authentication results">
          {verdicts.map((verdict, index) => (
            <li key={index} class={`verdict ${GOOD.has(verdict.result) ? 'verdict--pass' : BAD.has(verdict.result) ? 'verdict--fail' : 'verdict--neutral'}`}>
              {verdict.method} {verdict.result}
            </li>
          ))}
        </ul>
      ) : (
        <p class="panel-toolbar__note">No Authentication-Results header: nothing checked SPF, DKIM or DMARC on the way here.</p>
      )}
      {hops.length > 0 && (
        <ol class="hops" aria-label="Received hops, oldest first">
          {hops.map((hop, index) => {
            const parts = hopOf(hop.value);
            return (
              <li key={index} class="hop">
                <span class="hop__route">
                  {parts.from ? <>from <strong>{parts.from}</strong> </> : null}
                  {parts.by ? <>by <strong>{parts.by}</strong></> : null}
                  {!parts.from && !parts.by ? parts.rest : null}
                </span>
                {parts.when && <span class="hop__when">{parts.when}</span>}
              </li>
            );
          })}
        </ol>
      )}
      {auth.length > 0 && (
        <dl class="auth-headers">
          {auth.map((header, index) => (
            <div key={index}>
              <dt>{header.name}</dt>
              <dd>{header.value}</dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}
