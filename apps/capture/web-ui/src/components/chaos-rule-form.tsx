// The form that adds a chaos rule: one set of fields per kind (README "Chaos"). It checks nothing itself but
// that the kind's fields are read as numbers: the API validates the rule, and its 400 reasons are shown here.
import { useState } from 'preact/hooks';
import type { ChaosRule, ChaosRuleSpec, ChaosScope, ChaosStage } from '../api-client';
import { useSession } from '../session';
import { asApiError } from '../use-inbox';

type Kind = ChaosRuleSpec['kind'];
type ScopeKind = 'instance' | 'account' | 'address';

export const KIND_LABELS: Record<Kind, string> = { refuse: 'Refuse', delay: 'Delay', rate_limit: 'Rate limit', connection_limit: 'Connection limit' };
const STAGES: ChaosStage[] = ['connect', 'mail', 'rcpt', 'data'];

/** The form's fields, as typed (text until sent). */
type Fields = Record<'stage' | 'code' | 'text' | 'delayMs' | 'probability' | 'times' | 'messages' | 'intervalMs' | 'connections' | 'scopeValue', string> & { scope: ScopeKind };

const EMPTY: Fields = { stage: 'rcpt', code: '', text: '', delayMs: '', probability: '', times: '', messages: '', intervalMs: '', connections: '', scope: 'instance', scopeValue: '' };

/** A typed number, or absent when left empty; anything else goes as it is for the API to refuse. */
function numberOf(value: string): number | undefined {
  return value.trim() === '' ? undefined : Number(value);
}

function scopeOf(fields: Fields): { scope?: ChaosScope } {
  if (fields.scope === 'instance') return {};
  return { scope: fields.scope === 'account' ? { account: fields.scopeValue.trim() } : { address: fields.scopeValue.trim() } };
}

/** The body POSTed for these fields: only the kind's own, optional ones left out when empty. */
export function ruleOf(kind: Kind, fields: Fields): ChaosRuleSpec {
  const chance = { probability: numberOf(fields.probability), times: numberOf(fields.times) };
  const stage = fields.stage as ChaosStage;
  switch (kind) {
    case 'refuse':
      return { kind, stage, code: numberOf(fields.code)!, text: fields.text, ...chance, ...scopeOf(fields) };
    case 'delay':
      return { kind, stage, delayMs: numberOf(fields.delayMs)!, ...chance, ...scopeOf(fields) };
    case 'rate_limit':
      return { kind, messages: numberOf(fields.messages)!, intervalMs: numberOf(fields.intervalMs)!, ...scopeOf(fields) };
    case 'connection_limit':
      return { kind, connections: numberOf(fields.connections)! };
  }
}

export function ChaosRuleForm({ onAdded }: { onAdded(rule: ChaosRule): void }) {
  const { api } = useSession();
  const [kind, setKind] = useState<Kind>('refuse');
  const [fields, setFields] = useState<Fields>(EMPTY);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<{ message: string; reasons: string[] } | null>(null);
  const set = (name: keyof Fields) => (event: Event) => setFields({ ...fields, [name]: (event.currentTarget as HTMLInputElement | HTMLSelectElement).value });

  const onSubmit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      onAdded(await api.addChaosRule(ruleOf(kind, fields)));
      setFields({ ...EMPTY, stage: fields.stage });
    } catch (failure) {
      const error = asApiError(failure);
      setProblem({ message: error.message, reasons: error.validationErrors });
    } finally {
      setBusy(false);
    }
  };

  const field = (name: keyof Fields, label: string, props: { numeric?: boolean; placeholder?: string } = {}) => (
    <div class="chaos-form__field">
      <label class="field-label" for={`chaos-${name}`}>
        {label}
      </label>
      <input
        id={`chaos-${name}`}
        name={name}
        type="text"
        inputMode={props.numeric ? 'decimal' : undefined}
        autoComplete="off"
        spellcheck={false}
        placeholder={props.placeholder}
        value={fields[name]}
        onInput={set(name)}
        aria-describedby={problem ? 'chaos-problem' : undefined}
      />
    </div>
  );
  const takesStage = kind === 'refuse' || kind === 'delay';
  const takesScope = kind !== 'connection_limit';

  return (
    <form class="chaos-form" onSubmit={onSubmit} aria-labelledby="chaos-form-title" aria-describedby={problem ? 'chaos-problem' : undefined} novalidate>
      <h2 id="chaos-form-title">Add a rule</h2>
      <div class="chaos-form__fields">
        <div class="chaos-form__field">
          <label class="field-label" for="chaos-kind">
            Kind
          </label>
          <select id="chaos-kind" name="kind" value={kind} onChange={(event) => setKind((event.currentTarget as HTMLSelectElement).value as Kind)}>
            {(Object.keys(KIND_LABELS) as Kind[]).map((value) => (
              <option key={value} value={value}>
                {KIND_LABELS[value]}
              </option>
            ))}
          </select>
        </div>
        {takesStage && (
          <div class="chaos-form__field">
            <label class="field-label" for="chaos-stage">
              Stage
            </label>
            <select id="chaos-stage" name="stage" value={fields.stage} onChange={set('stage')}>
              {STAGES.map((stage) => (
                <option key={stage} value={stage}>
                  {stage}
                </option>
              ))}
            </select>
          </div>
        )}
        {kind === 'refuse' && (
          <>
            {field('code', 'Reply code', { numeric: true, placeholder: '550' })}
            {field('text', 'Reply text', { placeholder: '5.1.1 No such user' })}
          </>
        )}
        {kind === 'delay' && field('delayMs', 'Delay (ms)', { numeric: true, placeholder: '2000' })}
        {takesStage && (
          <>
            {field('probability', 'Probability (0 to 1, optional)', { numeric: true, placeholder: '1' })}
            {field('times', 'Times (optional)', { numeric: true, placeholder: 'until deleted' })}
          </>
        )}
        {kind === 'rate_limit' && (
          <>
            {field('messages', 'Messages', { numeric: true, placeholder: '10' })}
            {field('intervalMs', 'Per interval (ms)', { numeric: true, placeholder: '60000' })}
          </>
        )}
        {kind === 'connection_limit' && field('connections', 'Open connections', { numeric: true, placeholder: '5' })}
        {takesScope && (
          <div class="chaos-form__field">
            <label class="field-label" for="chaos-scope">
              Applies to
            </label>
            <select id="chaos-scope" name="scope" value={fields.scope} onChange={set('scope')}>
              <option value="instance">The whole instance</option>
              <option value="account">One account's sessions</option>
              <option value="address">One recipient address</option>
            </select>
          </div>
        )}
        {takesScope && fields.scope !== 'instance' && field('scopeValue', fields.scope === 'account' ? 'Account (id or username)' : 'Address', { placeholder: fields.scope === 'account' ? 'carol' : 'bob@example.test' })}
      </div>
      {problem && (
        <div id="chaos-problem" class="field-problem chaos-form__problem" role="alert">
          <p>{problem.message}</p>
          {problem.reasons.length > 0 && (
            <ul>
              {problem.reasons.map((reason) => (
                <li key={reason}>{reason}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      <button type="submit" class="button button--primary" disabled={busy}>
        {busy ? 'Adding\u2026' : 'Add rule'}
      </button>
    </form>
  );
}
