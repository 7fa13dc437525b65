// One reconcile of one CaptureEnvironment: read it, build the desired objects with pure functions, apply
// them (server-side apply, one field manager), then write a status computed from what the API server
// returned. The API-key Secret is only ever created; the database drop on delete is the one finalizer.
import type { KubernetesObject, V1Deployment, V1Service } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { desiredState, isOwnedBy, buildApiKeySecret, generateApiKey, isMongoUri, withDatabase, API_KEY_SECRET_KEY, type Certificate, type ObjectRef } from '../desired';
import {
  API_VERSION,
  DROP_DATABASE_FINALIZER,
  InvalidSpecError,
  KIND,
  OWNED,
  databaseName,
  expiryOf,
  kubernetesTime,
  objectNames,
  ownedKindOf,
  parseEnvironmentSpec,
  parseKey,
  typeMeta,
  type CaptureEnvironment,
  type EnvironmentSpec,
  type EnvironmentStatus,
} from '../environment';
import { computeStatus, conditionOf, invalidSpecStatus, type Observed, type Problem, type TlsSecretState } from '../status';
import type { Cluster } from './cluster';
import type { DatabaseDropper } from './database-cleanup';
import { isNotFound, messageOf } from './kubernetes-errors';

export interface ReconcileOutcome {
  /** The environment expires then: look at it again at that moment. */
  requeueAfterMs?: number;
  /** Whether the status just written says Ready. */
  ready?: boolean;
}

export interface ReconcilerOptions {
  defaultImage: string;
  now?: () => Date;
  /** Told about every problem met (for the error metric). */
  onProblem?: (reason: string) => void;
}

/** Thrown after the status has been written, so the work queue retries the key with backoff. */
export class ReconcileProblemsError extends Error {
  override readonly name = 'ReconcileProblemsError';
  constructor(readonly problems: Problem[]) {
    super(problems.map((p) => `${p.reason}: ${p.message}`).join('; '));
  }
}

export class EnvironmentReconciler {
  private readonly now: () => Date;

  constructor(
    private readonly cluster: Cluster,
    private readonly dropper: DatabaseDropper,
    private readonly logger: Logger,
    private readonly options: ReconcilerOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  async reconcile(key: string): Promise<ReconcileOutcome> {
    const { namespace, name } = parseKey(key);
    const environment = await this.cluster.getEnvironment(namespace, name);
    if (!environment) return {};
    if (environment.metadata.deletionTimestamp) {
      await this.finalize(environment);
      return {};
    }

    let spec: EnvironmentSpec;
    try {
      spec = parseEnvironmentSpec(environment.spec);
    } catch (error) {
      if (!(error instanceof InvalidSpecError)) throw error;
      await this.writeInvalidSpecStatus(environment, error.message);
      return {};
    }

    const now = this.now();
    const expiresAt = expiryOf(environment.metadata.creationTimestamp, spec);
    if (expiresAt && expiresAt.getTime() <= now.getTime()) {
      await this.expire(environment, expiresAt);
      return {};
    }

    await this.ensureFinalizer(environment, spec);
    const problems: Problem[] = [];
    await this.ensureApiKeySecret(environment, spec, problems);
    const observed: Observed = {};
    if (spec.tls?.existingSecret) observed.existingTlsSecret = await this.tlsSecretState(namespace, spec.tls.existingSecret);

    const mongodbUri = spec.storage.type === 'mongodb' ? await this.mongodbUri(environment, spec, problems) : undefined;
    const blocked = spec.storage.type === 'mongodb' && mongodbUri === undefined;
    if (!blocked) {
      const desired = desiredState(environment, spec, { defaultImage: this.options.defaultImage, mongodbUri });
      for (const object of desired.apply) {
        try {
          remember(observed, await this.cluster.apply(object));
        } catch (error) {
          problems.push(applyProblem(object, error));
        }
      }
      for (const ref of desired.absent) await this.prune(environment, ref, problems);
    }
    // What to report on when this reconcile could not apply them: the objects as they are.
    const names = objectNames(environment.metadata);
    observed.deployment ??= await this.readQuietly<V1Deployment>(environment, { ...typeMeta(OWNED.deployment), name: names.deployment });
    observed.service ??= await this.readQuietly<V1Service>(environment, { ...typeMeta(OWNED.service), name: names.service });

    const status = computeStatus({
      name,
      namespace,
      generation: environment.metadata.generation,
      previous: environment.status,
      spec,
      image: spec.image ?? this.options.defaultImage,
      observed,
      problems,
      expiresAt,
      now,
    });
    await this.cluster.applyStatus(environment, status);
    await this.announceTransitions(environment, environment.status, status);
    for (const problem of problems) this.options.onProblem?.(problem.reason);
    if (problems.length > 0) throw new ReconcileProblemsError(problems);
    const ready = conditionOf(status, 'Ready')?.status === 'True';
    return expiresAt ? { requeueAfterMs: expiresAt.getTime() - now.getTime(), ready } : { ready };
  }

  private async ensureFinalizer(environment: CaptureEnvironment, spec: EnvironmentSpec): Promise<void> {
    const wanted = spec.storage.type === 'mongodb' && spec.storage.mongodb!.dropDatabaseOnDelete;
    const present = environment.metadata.finalizers?.includes(DROP_DATABASE_FINALIZER) ?? false;
    if (wanted !== present) await this.cluster.applyFinalizers(environment, wanted ? [DROP_DATABASE_FINALIZER] : []);
  }

  /** Creates the admin key Secret when it does not exist; an existing one is never written. */
  private async ensureApiKeySecret(environment: CaptureEnvironment, spec: EnvironmentSpec, problems: Problem[]): Promise<void> {
    const { namespace } = environment.metadata;
    const secretName = objectNames(environment.metadata).adminSecret;
    const existing = await this.cluster.getSecret(namespace, secretName);
    if (existing) {
      if (!existing.data?.[API_KEY_SECRET_KEY]) {
        problems.push({ reason: 'ApiKeySecretInvalid', message: `Secret ${secretName} has no ${API_KEY_SECRET_KEY} key (delete it to have a new key generated)` });
      }
      return;
    }
    const created = await this.cluster.createSecret(buildApiKeySecret(environment, spec, generateApiKey()));
    if (created) {
      this.logger.info({ environment: `${namespace}/${environment.metadata.name}`, secret: secretName }, 'generated the admin API key');
      await this.event(environment, 'Normal', 'ApiKeyGenerated', `generated the admin API key in Secret ${secretName}`);
    }
  }

  private async mongodbUri(environment: CaptureEnvironment, spec: EnvironmentSpec, problems: Problem[]): Promise<string | undefined> {
    const ref = spec.storage.mongodb!.secretRef;
    const secret = await this.cluster.getSecret(environment.metadata.namespace, ref.name);
    const encoded = secret?.data?.[ref.key];
    if (!secret || !encoded) {
      problems.push({
        reason: 'MongoDBSecretNotFound',
        message: secret ? `Secret ${ref.name} has no key ${ref.key}` : `Secret ${ref.name} (storage.mongodb.secretRef) does not exist`,
      });
      return undefined;
    }
    const uri = Buffer.from(encoded, 'base64').toString('utf8').trim();
    if (!isMongoUri(uri)) {
      problems.push({ reason: 'MongoDBSecretInvalid', message: `Secret ${ref.name} key ${ref.key} is not a mongodb:// or mongodb+srv:// URI` });
      return undefined;
    }
    return uri;
  }

  private async tlsSecretState(namespace: string, name: string): Promise<TlsSecretState> {
    const secret = await this.cluster.getSecret(namespace, name);
    if (!secret) return 'missing';
    return secret.data?.['tls.crt'] && secret.data?.['tls.key'] ? 'present' : 'invalid';
  }

  /** Deletes an optional object the spec no longer asks for, only when this environment owns it. */
  private async prune(environment: CaptureEnvironment, ref: ObjectRef, problems: Problem[]): Promise<void> {
    const address = { ...ref, namespace: environment.metadata.namespace };
    try {
      const existing = await this.cluster.read<KubernetesObject>(address);
      if (existing && isOwnedBy(existing as never, environment)) {
        await this.cluster.deleteObject(address, existing.metadata!.uid!);
        this.logger.info({ environment: `${address.namespace}/${environment.metadata.name}`, kind: ref.kind, name: ref.name }, 'deleted an object the spec no longer asks for');
      }
    } catch (error) {
      if (isNotFound(error) || isKindMissing(error)) return;
      problems.push({ reason: 'PruneFailed', message: `${ref.kind} ${ref.name}: ${messageOf(error)}` });
    }
  }

  private async readQuietly<T extends KubernetesObject>(environment: CaptureEnvironment, ref: ObjectRef): Promise<T | undefined> {
    const object = await this.cluster.read<T>({ ...ref, namespace: environment.metadata.namespace }).catch(() => undefined);
    return object && isOwnedBy(object as never, environment) ? object : undefined;
  }

  private async expire(environment: CaptureEnvironment, expiresAt: Date): Promise<void> {
    const { name, namespace, uid } = environment.metadata;
    this.logger.info({ environment: `${namespace}/${name}`, expiresAt: kubernetesTime(expiresAt) }, 'environment expired: deleting it');
    await this.event(environment, 'Normal', 'Expired', `expired at ${kubernetesTime(expiresAt)}: deleting the environment and everything it owns`);
    await this.cluster.deleteObject({ apiVersion: API_VERSION, kind: KIND, name, namespace }, uid);
  }

  /** Deletion: drop the MongoDB database when asked (our finalizer), then let the object go. */
  private async finalize(environment: CaptureEnvironment): Promise<void> {
    if (!environment.metadata.finalizers?.includes(DROP_DATABASE_FINALIZER)) return;
    const { name, namespace } = environment.metadata;
    let spec: EnvironmentSpec | undefined;
    try {
      spec = parseEnvironmentSpec(environment.spec);
    } catch {
      spec = undefined;
    }
    if (spec?.storage.type === 'mongodb' && spec.storage.mongodb?.dropDatabaseOnDelete) {
      const database = databaseName(environment.metadata, spec);
      const uri = await this.uriForCleanup(environment, spec);
      if (uri) {
        try {
          await this.dropper.drop(withDatabase(uri, database), database);
        } catch (error) {
          this.options.onProblem?.('DatabaseDropFailed');
          await this.event(environment, 'Warning', 'DatabaseDropFailed', `could not drop MongoDB database ${database} (will retry): ${messageOf(error)}`);
          throw error;
        }
        this.logger.info({ environment: `${namespace}/${name}`, database }, 'dropped the MongoDB database');
        await this.event(environment, 'Normal', 'DatabaseDropped', `dropped MongoDB database ${database}`);
      } else {
        // The connection string went first (e.g. the whole namespace is being deleted): waiting would block
        // the deletion for ever, so say so and let go.
        await this.event(environment, 'Warning', 'DatabaseNotDropped', `MongoDB database ${database} was not dropped: no Secret holds its connection string any more`);
      }
    }
    await this.cluster.applyFinalizers(environment, []);
  }

  /** The user's Secret, else the operator's own copy (owned, so it outlives the user's during a delete). */
  private async uriForCleanup(environment: CaptureEnvironment, spec: EnvironmentSpec): Promise<string | undefined> {
    const { namespace } = environment.metadata;
    const ref = spec.storage.mongodb!.secretRef;
    const candidates: Array<[string, string]> = [
      [ref.name, ref.key],
      [objectNames(environment.metadata).mongodbSecret, 'uri'],
    ];
    for (const [secretName, key] of candidates) {
      const encoded = (await this.cluster.getSecret(namespace, secretName).catch(() => undefined))?.data?.[key];
      const uri = encoded ? Buffer.from(encoded, 'base64').toString('utf8').trim() : '';
      if (isMongoUri(uri)) return uri;
    }
    return undefined;
  }

  private async writeInvalidSpecStatus(environment: CaptureEnvironment, message: string): Promise<void> {
    const status = invalidSpecStatus(environment.status, environment.metadata.generation, message, this.now());
    await this.cluster.applyStatus(environment, status);
    await this.announceTransitions(environment, environment.status, status);
    this.options.onProblem?.('InvalidSpec');
  }

  /** Events for what people want to hear about: becoming Ready or not, Degraded, TLS becoming ready. */
  private async announceTransitions(environment: CaptureEnvironment, before: EnvironmentStatus | undefined, after: EnvironmentStatus): Promise<void> {
    const pair = (type: 'Ready' | 'Degraded' | 'TLSReady') => [conditionOf(before, type), conditionOf(after, type)] as const;
    const [wasReady, ready] = pair('Ready');
    if (ready?.status === 'True' && wasReady?.status !== 'True') await this.event(environment, 'Normal', 'Ready', ready.message);
    if (ready && ready.status !== 'True' && wasReady?.status === 'True') await this.event(environment, 'Warning', 'NotReady', `${ready.reason}: ${ready.message}`);
    const [wasDegraded, degraded] = pair('Degraded');
    if (degraded?.status === 'True' && (wasDegraded?.status !== 'True' || wasDegraded.reason !== degraded.reason)) {
      await this.event(environment, 'Warning', degraded.reason, degraded.message);
    }
    const [wasTls, tls] = pair('TLSReady');
    if (tls?.status === 'True' && tls.reason === 'CertificateReady' && wasTls?.status !== 'True') {
      await this.event(environment, 'Normal', 'CertificateReady', tls.message);
    }
  }

  private async event(environment: CaptureEnvironment, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    // Events are for people; failing to record one must not fail the reconcile.
    await this.cluster.recordEvent(environment, type, reason, message).catch((error) => {
      this.logger.warn({ err: messageOf(error), reason }, 'could not record an event');
    });
  }
}

function remember(observed: Observed, applied: KubernetesObject): void {
  const kind = ownedKindOf(applied);
  if (kind === OWNED.deployment) observed.deployment = applied as V1Deployment;
  else if (kind === OWNED.service) observed.service = applied as V1Service;
  else if (kind === OWNED.certificate) observed.certificate = applied as unknown as Certificate;
}

function isKindMissing(error: unknown): boolean {
  return error instanceof Error && /Unrecognized API version and kind/.test(error.message);
}

function applyProblem(object: KubernetesObject, error: unknown): Problem {
  const missingKind = isNotFound(error) || isKindMissing(error);
  const what = `${object.kind} ${object.metadata?.name}`;
  const addOn = ownedKindOf(object)?.addOn;
  if (missingKind && addOn) return { reason: addOn.reason, message: `cannot create ${what}: the ${addOn.name} CRDs are not installed` };
  return { reason: 'ApplyFailed', message: `${what}: ${messageOf(error)}` };
}
