// Status tells the truth: conditions computed only from what the owned objects report (the Deployment's
// rollout, the Certificate's Ready condition, the Service) and from the problems this reconcile met. Pure:
// the caller passes the objects as the API server returned them and the current time.
import type { V1Deployment, V1PersistentVolumeClaim, V1Service } from '@kubernetes/client-node';
import type { Certificate } from '../desired/certificate';
import { kubernetesTime } from '../environment/expiry';
import { SMTP_PORT, SMTPS_PORT, apiUrl, databaseName, objectNames, smtpHost, tlsSecretName } from '../environment/names';
import type { Condition, ConditionType, EnvironmentStatus } from '../environment/resource';
import type { EnvironmentSpec } from '../environment/spec';

/** Something this reconcile could not do; it makes the environment Degraded (and not Ready). */
export interface Problem {
  reason: string;
  message: string;
}

export type TlsSecretState = 'present' | 'missing' | 'invalid';

export interface Observed {
  deployment?: V1Deployment;
  service?: V1Service;
  certificate?: Certificate;
  /** The embedded store's claim: a Pending one is why no pod starts. */
  dataClaim?: V1PersistentVolumeClaim;
  /** The environment expired with expiryPolicy ScaleToZero: it runs no pod on purpose. */
  expired?: boolean;
  /** For spec.tls.existingSecret: whether that Secret exists and holds tls.crt and tls.key. */
  existingTlsSecret?: TlsSecretState;
}

export interface StatusInputs {
  name: string;
  namespace: string;
  generation: number;
  previous?: EnvironmentStatus;
  spec: EnvironmentSpec;
  image: string;
  observed: Observed;
  problems: Problem[];
  expiresAt?: Date;
  now: Date;
}

type ConditionDraft = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

export function computeStatus(inputs: StatusInputs): EnvironmentStatus {
  const { spec, observed, problems } = inputs;
  const ref = { name: inputs.name, namespace: inputs.namespace };
  const tls = tlsReady(spec, observed);
  const rollout = rolloutOf(observed.deployment, spec.replicas);
  const degraded = degradedOf(problems, rollout);

  // Ready says whether mail is served: old pods that serve during a rolling update keep it True (Progressing
  // tells about the roll), and a problem that leaves the running pods alone only makes it Degraded.
  const claimPending = observed.dataClaim?.status?.phase === 'Pending';
  let ready: ConditionDraft;
  if (observed.service && spec.replicas > 0 && rollout.available > 0 && tls.status === 'True') {
    const rolling = rollout.complete ? '' : ` (rolling out: ${rollout.message})`;
    ready = { type: 'Ready', status: 'True', reason: 'Available', message: `${rollout.available} of ${spec.replicas} replicas available${rolling}` };
  } else if (observed.expired) ready = { type: 'Ready', status: 'False', reason: 'Expired', message: 'expired (expiryPolicy ScaleToZero): no pod runs; mail and Secrets are kept' };
  else if (problems.length > 0) ready = { type: 'Ready', status: 'False', reason: problems[0].reason, message: problems[0].message };
  else if (!observed.service) ready = { type: 'Ready', status: 'False', reason: 'ServiceMissing', message: 'the Service is not there yet' };
  else if (spec.replicas === 0) ready = { type: 'Ready', status: 'False', reason: 'ScaledToZero', message: 'spec.replicas is 0: no pod accepts mail' };
  else if (claimPending && !rollout.complete) {
    ready = { type: 'Ready', status: 'False', reason: 'VolumePending', message: `PersistentVolumeClaim ${observed.dataClaim!.metadata?.name} is Pending: no volume is bound, so the pod cannot start` };
  } else if (!rollout.complete) ready = { type: 'Ready', status: 'False', reason: rollout.reason, message: rollout.message };
  else ready = { type: 'Ready', status: 'False', reason: 'TLSNotReady', message: tls.message };

  const progressing: ConditionDraft = rollout.complete
    ? { type: 'Progressing', status: 'False', reason: 'RolloutComplete', message: rollout.message }
    : { type: 'Progressing', status: 'True', reason: rollout.reason, message: rollout.message };

  const names = objectNames(ref);
  const host = smtpHost(ref);
  return {
    observedGeneration: inputs.generation,
    conditions: mergeConditions(inputs.previous?.conditions, [ready, progressing, degraded, tls], inputs.generation, inputs.now),
    smtp: {
      host,
      port: SMTP_PORT,
      ...(spec.smtp.implicitTls ? { implicitTlsPort: SMTPS_PORT } : {}),
      endpoint: `${host}:${SMTP_PORT}`,
    },
    apiUrl: apiUrl(ref, spec),
    apiKeySecretName: names.adminSecret,
    connectionSecretName: names.connectionSecret,
    ...(tlsSecretName(ref, spec) ? { tlsSecretName: tlsSecretName(ref, spec) } : {}),
    ...(spec.storage.type === 'mongodb' ? { database: databaseName(ref, spec) } : {}),
    ...(observed.dataClaim?.status?.phase ? { dataClaimPhase: observed.dataClaim.status.phase } : {}),
    image: inputs.image,
    replicas: spec.replicas,
    availableReplicas: rollout.available,
    ...(inputs.expiresAt ? { expiresAt: kubernetesTime(inputs.expiresAt) } : {}),
  };
}

interface Rollout {
  complete: boolean;
  available: number;
  reason: string;
  message: string;
  stuck?: { reason: string; message: string };
}

/** The rollout as `kubectl rollout status` judges it, from the Deployment's own status. */
export function rolloutOf(deployment: V1Deployment | undefined, desired: number): Rollout {
  if (!deployment) return { complete: false, available: 0, reason: 'DeploymentMissing', message: 'the Deployment is not there yet' };
  const status = deployment.status ?? {};
  const available = status.availableReplicas ?? 0;
  const updated = status.updatedReplicas ?? 0;
  const total = status.replicas ?? 0;
  const conditions = status.conditions ?? [];
  const progressing = conditions.find((c) => c.type === 'Progressing');
  const failure = conditions.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  const stuck =
    progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded'
      ? { reason: 'RolloutStuck', message: progressing.message ?? 'the Deployment exceeded its progress deadline' }
      : failure
        ? { reason: 'ReplicaFailure', message: failure.message ?? 'the Deployment cannot create pods' }
        : undefined;
  const base = { available, stuck };
  if ((status.observedGeneration ?? 0) < (deployment.metadata?.generation ?? 1)) {
    return { ...base, complete: false, reason: 'RollingOut', message: 'waiting for the Deployment controller to observe the new spec' };
  }
  if (updated < desired) return { ...base, complete: false, reason: 'RollingOut', message: `${updated} of ${desired} replicas updated` };
  if (total > updated) return { ...base, complete: false, reason: 'RollingOut', message: `${total - updated} old replicas pending termination` };
  if (available < desired) return { ...base, complete: false, reason: 'Unavailable', message: `${available} of ${desired} replicas available` };
  return { ...base, complete: true, reason: 'RolloutComplete', message: `${available} of ${desired} replicas available, all updated` };
}

function degradedOf(problems: Problem[], rollout: Rollout): ConditionDraft {
  if (problems.length > 0) {
    return { type: 'Degraded', status: 'True', reason: problems[0].reason, message: problems.map((p) => p.message).join('; ') };
  }
  if (rollout.stuck) return { type: 'Degraded', status: 'True', reason: rollout.stuck.reason, message: rollout.stuck.message };
  return { type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'every owned object was applied' };
}

function tlsReady(spec: EnvironmentSpec, observed: Observed): ConditionDraft {
  const tls = spec.tls;
  if (tls?.issuerRef) {
    if (!observed.certificate) {
      return { type: 'TLSReady', status: 'False', reason: 'CertificateMissing', message: 'the cert-manager Certificate could not be applied' };
    }
    const ready = observed.certificate.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status === 'True') {
      return { type: 'TLSReady', status: 'True', reason: 'CertificateReady', message: ready.message || `issued by ${tls.issuerRef.kind} ${tls.issuerRef.name}` };
    }
    return {
      type: 'TLSReady',
      status: 'False',
      reason: 'CertificateNotReady',
      message: ready?.message || `waiting for cert-manager to issue the certificate (${tls.issuerRef.kind} ${tls.issuerRef.name})`,
    };
  }
  if (tls?.existingSecret) {
    switch (observed.existingTlsSecret) {
      case 'present':
        return { type: 'TLSReady', status: 'True', reason: 'ExistingSecret', message: `serving Secret ${tls.existingSecret}` };
      case 'invalid':
        return { type: 'TLSReady', status: 'False', reason: 'SecretInvalid', message: `Secret ${tls.existingSecret} has no tls.crt and tls.key` };
      default:
        return { type: 'TLSReady', status: 'False', reason: 'SecretNotFound', message: `Secret ${tls.existingSecret} does not exist` };
    }
  }
  return { type: 'TLSReady', status: 'True', reason: 'SelfSigned', message: 'serving a self-signed certificate the appliance generates at first start' };
}

/** The status of an environment whose stored spec no longer parses: nothing is applied, Degraded says why. */
export function invalidSpecStatus(previous: EnvironmentStatus | undefined, generation: number, message: string, now: Date): EnvironmentStatus {
  return {
    ...previous,
    observedGeneration: generation,
    conditions: mergeConditions(
      previous?.conditions,
      [
        { type: 'Ready', status: 'False', reason: 'InvalidSpec', message },
        { type: 'Progressing', status: 'False', reason: 'InvalidSpec', message: 'nothing is applied until the spec is valid' },
        { type: 'Degraded', status: 'True', reason: 'InvalidSpec', message },
        { type: 'TLSReady', status: 'Unknown', reason: 'InvalidSpec', message: 'unknown until the spec is valid' },
      ],
      generation,
      now,
    ),
  };
}

/** New conditions keep their lastTransitionTime while their status stays the same. */
export function mergeConditions(previous: Condition[] | undefined, next: ConditionDraft[], generation: number, now: Date): Condition[] {
  return next.map((draft) => {
    const before = previous?.find((c) => c.type === draft.type);
    const lastTransitionTime = before && before.status === draft.status ? before.lastTransitionTime : kubernetesTime(now);
    return { ...draft, observedGeneration: generation, lastTransitionTime };
  });
}

export function conditionOf(status: EnvironmentStatus | undefined, type: ConditionType): Condition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}
