// Chaos, for admins (README "Chaos"): this process's rules (kind, stage, reply, scope, what is left of them),
// a form to add one, delete one, and turn chaos off. Through the admin API like any client: a key that is not
// an admin's gets the API's 403, shown as such (the header shows this page's link to admins only).
import { useState } from 'preact/hooks';
import type { ChaosRule, ChaosRuleSpec } from '../api-client';
import { ChaosRuleForm, KIND_LABELS } from '../components/chaos-rule-form';
import { ConfirmDialog } from '../components/confirm-dialog';
import { EmptyState, ErrorNotice, Loading } from '../components/notices';
import { SignInForm } from '../components/sign-in-form';
import { countOf, longTime, shortTime } from '../format';
import { useSession } from '../session';
import { useAsync } from '../use-async';
import { asApiError } from '../use-inbox';
import { PageHeading } from './page-heading';

export function ChaosPage() {
  const session = useSession();
  if (!session.account) {
    return (
      <section class="chaos">
        <PageHeading title="Chaos" />
        <p>Sign in with an admin API key to make this instance's SMTP side fail on purpose.</p>
        {session.ready ? <SignInForm idPrefix="chaos-sign-in" /> : <Loading label="Checking your sign-in\u2026" />}
      </section>
    );
  }
  return <ChaosRules />;
}

function ChaosRules() {
  const { api, account } = useSession();
  const rules = useAsync(() => api.listChaosRules(), [api]);
  const [confirming, setConfirming] = useState(false);
  const [news, setNews] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const list = rules.value ?? [];

  const turnOff = async () => {
    setConfirming(false);
    setProblem(null);
    try {
      const deleted = await api.clearChaos();
      rules.set([]);
      setNews(`Chaos is off: ${countOf(deleted, 'rule')} deleted. Mail is captured as usual.`);
    } catch (failure) {
      setProblem(asApiError(failure).message);
    }
  };

  if (rules.error?.status === 403) {
    return (
      <section class="chaos">
        <PageHeading title="Chaos" />
        <ErrorNotice error={rules.error}>
          <p>Chaos rules are for admins only, and {account?._id} is not an admin account. Sign in with an admin API key to set them.</p>
        </ErrorNotice>
      </section>
    );
  }
  return (
    <section class="chaos">
      <PageHeading title="Chaos" />
      <p class="chaos__lead">
        Make the SMTP side misbehave on purpose, to see how an application copes: refuse or delay at a stage, a rate limit, a connection limit. Nothing is injected after
        a message is stored, so a message that got a 250 is never lost.
      </p>
      <p class="chaos__note">
        Rules live in the memory of the process that took them: each replica has its own, and a restart clears them. Standing rules, which every start begins with,
        come from <code>CAPTUREBOX_CHAOS</code>, which a CaptureEnvironment's <code>spec.chaos</code> sets on its pods; turning chaos off here clears those too, until the next
        start.
      </p>
      <ChaosRuleForm
        onAdded={(rule) => {
          setNews(null);
          rules.set([...list, rule]);
        }}
      />
      <div class="chaos__header">
        <h2>Rules of this process</h2>
        <button type="button" class="button button--danger" onClick={() => setConfirming(true)} disabled={list.length === 0}>
          Turn chaos off
        </button>
      </div>
      <div role="status" class="chaos__news">
        {news}
      </div>
      {problem && (
        <p class="field-problem" role="alert">
          {problem}
        </p>
      )}
      {rules.loading && !rules.value ? (
        <Loading label="Loading the rules\u2026" />
      ) : rules.error ? (
        <ErrorNotice error={rules.error} onRetry={rules.retry} />
      ) : list.length === 0 ? (
        <EmptyState title="No chaos rules">
          <p>Mail is captured as usual. Add a rule above to inject failures.</p>
        </EmptyState>
      ) : (
        <RuleTable rules={list} onDeleted={(id) => rules.set(list.filter((rule) => rule._id !== id))} onRefresh={rules.retry} />
      )}
      <ConfirmDialog open={confirming} title="Turn chaos off?" confirmLabel="Turn chaos off" onConfirm={() => void turnOff()} onCancel={() => setConfirming(false)}>
        <p>Every rule of this process is deleted, the standing ones too (until its next start), and mail is captured as usual.</p>
      </ConfirmDialog>
    </section>
  );
}

function RuleTable({ rules, onDeleted, onRefresh }: { rules: ChaosRule[]; onDeleted(id: string): void; onRefresh(): void }) {
  return (
    <>
      <div class="table-scroll">
        <table class="chaos-rules">
          <caption class="visually-hidden">Chaos rules, in the order they are looked at</caption>
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col">Stage</th>
              <th scope="col">Does</th>
              <th scope="col">Applies to</th>
              <th scope="col">Remaining</th>
              <th scope="col">Added</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rules.map((rule, index) => (
              <RuleRow key={rule._id} rule={rule} position={index + 1} onDeleted={() => onDeleted(rule._id)} />
            ))}
          </tbody>
        </table>
      </div>
      <button type="button" class="button button--small" onClick={onRefresh}>
        Refresh
      </button>
    </>
  );
}

function RuleRow({ rule, position, onDeleted }: { rule: ChaosRule; position: number; onDeleted(): void }) {
  const { api } = useSession();
  const [problem, setProblem] = useState<string | null>(null);
  const remove = async () => {
    try {
      await api.deleteChaosRule(rule._id);
      onDeleted();
    } catch (failure) {
      setProblem(asApiError(failure).message);
    }
  };
  const spec = rule.rule;
  return (
    <tr data-rule-id={rule._id}>
      <td>{KIND_LABELS[spec.kind]}</td>
      <td>{stageOf(spec)}</td>
      <td class="chaos-rules__does">{whatItDoes(spec)}</td>
      <td>{scopeOf(spec)}</td>
      <td>{remainingOf(spec)}</td>
      <td>
        <time dateTime={rule.created} title={longTime(rule.created)}>
          {shortTime(rule.created)}
        </time>
      </td>
      <td>
        <button type="button" class="button button--small button--danger" onClick={() => void remove()} aria-label={`Delete rule ${position}`}>
          Delete
        </button>
        {problem && (
          <span class="field-problem" role="alert">
            {problem}
          </span>
        )}
      </td>
    </tr>
  );
}

function stageOf(spec: ChaosRuleSpec): string {
  if (spec.kind === 'rate_limit') return 'mail';
  if (spec.kind === 'connection_limit') return 'connect';
  return spec.stage;
}

function whatItDoes(spec: ChaosRuleSpec): string {
  const chance = 'probability' in spec && spec.probability !== undefined && spec.probability < 1 ? ` (probability ${spec.probability})` : '';
  switch (spec.kind) {
    case 'refuse':
      return `${spec.code} ${spec.text}${chance}`;
    case 'delay':
      return `wait ${spec.delayMs} ms${chance}`;
    case 'rate_limit':
      return `421 past ${countOf(spec.messages, 'message')} per ${spec.intervalMs} ms`;
    case 'connection_limit':
      return `421 past ${countOf(spec.connections, 'open connection')}`;
  }
}

function scopeOf(spec: ChaosRuleSpec): string {
  if (spec.kind === 'connection_limit' || !spec.scope) return 'the whole instance';
  return 'account' in spec.scope ? `account ${spec.scope.account}` : `address ${spec.scope.address}`;
}

function remainingOf(spec: ChaosRuleSpec): string {
  return 'times' in spec && spec.times !== undefined ? countOf(spec.times, 'time') : 'until deleted';
}
