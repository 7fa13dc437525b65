// One reconcile of one CaptureEnvironment: read it, build the desired objects with pure functions, apply
// them (server-side apply, one field manager), then write a status computed from what the API server
// returned. The API-key Secret is only ever created; the database drop on delete is the one finalizer.
import type { KubernetesObject, V1Deployment, V1PersistentVolumeClaim, V1Secret, V1Service } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { desiredState, isOwnedBy, buildApiKeySecret, generateApiKey, isMongoUri, ownerReference, withDatabase, API_KEY_SECRET_KEY, type Certificate, type ObjectRef } from '../desired';
import {
  API_VERSION,
  DROP_DATABASE_FINALIZER,
  InvalidSpecError,
  SKIP_DATABASE_DROP_ANNOTATION,
  KIND,
  OWNED,
  databaseName,
  expiryOf,
  kubernetesTime,
  objectNames,
  ownedKindOf,
  parseEnvironmentSpec,
  parseKey,
  tlsSecretName,
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
  /** Whether the status just written says Ready; undefined when the environment is gone or going. */
  ready?: boolean;
  /** The served cert-manager certificate's expiry (status.notAfter), when known. */
  certificateNotAfter?: Date;
}

export interface ReconcilerOptions {
  defaultImage: string;
  /** How long after the deletion request a failing database drop is retried before the operator gives up. */
  databaseDropTimeoutMs: number;
  now?: () => Date;
  /** Told about every problem met (for the error metric). */
  onProblem?: (reason: string) => void;
  /** Told what each status written says (for the per-environment metrics); undefined once it is gone. */
  onStatus?: (key: string, status: Pick<ReconcileOutcome, 'ready' | 'certificateNotAfter'> | undefined) => void;
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
    if (!environment || environment.metadata.deletionTimestamp) {
      this.options.onStatus?.(key, undefined);
      if (environment) await this.finalize(environment);
      return {};
    }

    let spec: EnvironmentSpec;
    try {
      spec = parseEnvironmentSpec(environment.spec);
    } catch (error) {
      if (!(error instanceof InvalidSpecError)) throw error;
      await this.writeInvalidSpecStatus(environment, error.message);
      this.options.onStatus?.(key, { ready: false });
      return {};
    }

    const now = this.now();
    const expiresAt = expiryOf(environment.metadata.creationTimestamp, spec);
    const expired = expiresAt !== undefined && expiresAt.getTime() <= now.getTime();
    if (expired && spec.expiryPolicy === 'Delete') {
      await this.expire(environment, expiresAt);
      return {};
    }
    // ScaleToZero: the environment stays (a GitOps tool would only recreate it) and runs no pod.
    if (expired) spec = { ...spec, replicas: 0 };

    await this.ensureFinalizer(environment, spec);
    const problems: Problem[] = [];
    const apiKey = await this.ensureApiKeySecret(environment, spec, problems);
    const observed: Observed = { expired };
    const tlsSecret = await this.servedTlsSecret(environment, spec, observed);

    const mongodbUri = spec.storage.type === 'mongodb' ? await this.mongodbUri(environment, spec, problems) : undefined;
    const blocked = spec.storage.type === 'mongodb' && mongodbUri === undefined;
    if (!blocked) {
      const desired = desiredState(environment, spec, { defaultImage: this.options.defaultImage, mongodbUri, apiKey, caCertificate: caOf(tlsSecret) });
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
    if (spec.storage.type === 'embedded') {
      observed.dataClaim ??= await this.readQuietly<V1PersistentVolumeClaim>(environment, { ...typeMeta(OWNED.dataClaim), name: names.dataClaim });
    }

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
    const ready = conditionOf(status, 'Ready')?.status === 'True';
    const notAfter = observed.certificate?.status?.notAfter;
    this.options.onStatus?.(key, { ready, ...(notAfter ? { certificateNotAfter: new Date(notAfter) } : {}) });
    if (problems.length > 0) throw new ReconcileProblemsError(problems);
    return expiresAt && !expired ? { requeueAfterMs: expiresAt.getTime() - now.getTime(), ready } : { ready };
  }

  private async ensureFinalizer(environment: CaptureEnvironment, spec: EnvironmentSpec): Promise<void> {
    const wanted = spec.storage.type === 'mongodb' && spec.storage.mongodb!.dropDatabaseOnDelete;
    const present = environment.metadata.finalizers?.includes(DROP_DATABASE_FINALIZER) ?? false;
    if (wanted !== present) await this.cluster.applyFinalizers(environment, wanted ? [DROP_DATABASE_FINALIZER] : []);
  }

  /**
   * The admin key: the Secret's when it exists (an existing one is never written), else a new one in a new
   * Secret. A new key changes the pods' digest annotation, so they roll and take it (deployment.ts).
   */
  private async ensureApiKeySecret(environment: CaptureEnvironment, spec: EnvironmentSpec, problems: Problem[]): Promise<string | undefined> {
    const { namespace } = environment.metadata;
    const secretName = objectNames(environment.metadata).adminSecret;
    const existing = await this.cluster.getSecret(namespace, secretName);
    if (existing) {
      const encoded = existing.data?.[API_KEY_SECRET_KEY];
      if (!encoded) {
        problems.push({ reason: 'ApiKeySecretInvalid', message: `Secret ${secretName} has no ${API_KEY_SECRET_KEY} key (delete it to have a new key generated)` });
        return undefined;
      }
      return Buffer.from(encoded, 'base64').toString('utf8');
    }
    const apiKey = generateApiKey();
    const created = await this.cluster.createSecret(buildApiKeySecret(environment, spec, apiKey));
    if (!created) return undefined; // made meanwhile by someone else: the next reconcile reads it
    this.logger.info({ environment: `${namespace}/${environment.metadata.name}`, secret: secretName }, 'generated the admin API key');
    await this.event(environment, 'Normal', 'ApiKeyGenerated', `generated the admin API key in Secret ${secretName} (the pods roll to it)`);
    return apiKey;
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

  /**
   * The kubernetes.io/tls Secret the pods serve, if any. The user's (tls.existingSecret) is reported on;
   * cert-manager's <name>-tls gets this environment as its owner, so the garbage collector removes it (and its
   * private key) with the environment: cert-manager leaves it behind by default.
   */
  private async servedTlsSecret(environment: CaptureEnvironment, spec: EnvironmentSpec, observed: Observed): Promise<V1Secret | undefined> {
    const name = tlsSecretName(environment.metadata, spec);
    if (!name) return undefined;
    const secret = await this.cluster.getSecret(environment.metadata.namespace, name);
    if (spec.tls?.existingSecret) observed.existingTlsSecret = tlsSecretState(secret);
    else if (secret && !isOwnedBy(secret, environment)) {
      const { namespace } = environment.metadata;
      // Only our owner reference (a list keyed by uid: others' stay), so cert-manager's fields (type, data)
      // stay its own; not as controller, the place cert-manager's own owner reference option would take.
      const owner = { ...ownerReference(environment), controller: false };
      await this.cluster
        // The resourceVersion makes this an update only: never a create of an empty Secret of that name.
        .apply({ ...typeMeta(OWNED.secret), metadata: { name, namespace, resourceVersion: secret.metadata?.resourceVersion, ownerReferences: [owner] } })
        .catch((error) => this.logger.warn({ environment: `${namespace}/${environment.metadata.name}`, secret: name, err: messageOf(error) }, 'could not own the certificate Secret'));
    }
    return secret;
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
    const skipped = environment.metadata.annotations?.[SKIP_DATABASE_DROP_ANNOTATION] === 'true';
    if (spec?.storage.type === 'mongodb' && spec.storage.mongodb?.dropDatabaseOnDelete && skipped) {
      await this.event(environment, 'Warning', 'DatabaseNotDropped', `MongoDB database ${databaseName(environment.metadata, spec)} was not dropped: annotation ${SKIP_DATABASE_DROP_ANNOTATION}=true`);
    } else if (spec?.storage.type === 'mongodb' && spec.storage.mongodb?.dropDatabaseOnDelete) {
      const database = databaseName(environment.metadata, spec);
      const uri = await this.uriForCleanup(environment, spec);
      if (uri) {
        try {
          await this.dropper.drop(withDatabase(uri, database), database);
        } catch (error) {
          this.options.onProblem?.('DatabaseDropFailed');
          const deletedAt = new Date(environment.metadata.deletionTimestamp!).getTime();
          const giveUpAt = deletedAt + this.options.databaseDropTimeoutMs;
          if (this.now().getTime() < giveUpAt) {
            // One Event, counted up on each retry (the recorder aggregates), until the window closes.
            await this.event(environment, 'Warning', 'DatabaseDropFailed', `could not drop MongoDB database ${database}; retrying until ${kubernetesTime(new Date(giveUpAt))}, or annotate ${SKIP_DATABASE_DROP_ANNOTATION}=true to skip: ${messageOf(error)}`);
            throw error;
          }
          this.logger.warn({ environment: `${namespace}/${name}`, database, err: messageOf(error) }, 'gave up dropping the MongoDB database');
          await this.event(environment, 'Warning', 'DatabaseNotDropped', `gave up dropping MongoDB database ${database} after ${Math.round(this.options.databaseDropTimeoutMs / 1000)} s: ${messageOf(error)}`);
          await this.cluster.applyFinalizers(environment, []);
          return;
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

function tlsSecretState(secret: V1Secret | undefined): TlsSecretState {
  if (!secret) return 'missing';
  return secret.data?.['tls.crt'] && secret.data?.['tls.key'] ? 'present' : 'invalid';
}

/** The PEM a client trusts the served certificate by: the issuer's ca.crt, else the chain itself. */
function caOf(secret: V1Secret | undefined): string | undefined {
  const encoded = secret?.data?.['ca.crt'] || secret?.data?.['tls.crt'];
  return encoded ? Buffer.from(encoded, 'base64').toString('utf8') : undefined;
}

function remember(observed: Observed, applied: KubernetesObject): void {
  const kind = ownedKindOf(applied);
  if (kind === OWNED.deployment) observed.deployment = applied as V1Deployment;
  else if (kind === OWNED.service) observed.service = applied as V1Service;
  else if (kind === OWNED.certificate) observed.certificate = applied as unknown as Certificate;
  else if (kind === OWNED.dataClaim) observed.dataClaim = applied as V1PersistentVolumeClaim;
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
