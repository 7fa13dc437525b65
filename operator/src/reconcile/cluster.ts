// Everything the reconciler asks of the API server, in its own words. All writes of owned objects are
// server-side applies under one field manager; the only plain create is the API-key Secret (made once).
import {
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubernetesObject,
  type V1Secret,
} from '@kubernetes/client-node';
import { API_VERSION, FIELD_MANAGER, GROUP, KIND, PLURAL, VERSION, type CaptureEnvironment, type EnvironmentStatus } from '../environment/resource';
import { isNotFound } from './kubernetes-errors';

export interface ObjectAddress {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

export type EventType = 'Normal' | 'Warning';

export interface Cluster {
  getEnvironment(namespace: string, name: string): Promise<CaptureEnvironment | undefined>;
  apply<T extends KubernetesObject>(object: T): Promise<T>;
  applyStatus(environment: CaptureEnvironment, status: EnvironmentStatus): Promise<void>;
  /** Applies exactly these finalizers as the operator's own (others' finalizers are untouched). */
  applyFinalizers(environment: CaptureEnvironment, finalizers: string[]): Promise<void>;
  read<T extends KubernetesObject>(address: ObjectAddress): Promise<T | undefined>;
  /** Deletes the object if it still has this uid (never a newer object of the same name). */
  deleteObject(address: ObjectAddress, uid: string): Promise<void>;
  getSecret(namespace: string, name: string): Promise<V1Secret | undefined>;
  /** Creates the Secret; resolves false when one of that name already exists (it is left as it is). */
  createSecret(secret: V1Secret): Promise<boolean>;
  recordEvent(environment: CaptureEnvironment, type: EventType, reason: string, message: string): Promise<void>;
}

/** Events recorded by this process, by object, type and reason: a repeat counts up the same Event. */
const EVENT_CACHE_SIZE = 4096;

export class KubernetesCluster implements Cluster {
  private readonly recorded = new Map<string, { name: string; count: number }>();
  private readonly objects: KubernetesObjectApi;
  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;

  constructor(
    kubeConfig: KubeConfig,
    private readonly reportingInstance: string,
  ) {
    this.objects = KubernetesObjectApi.makeApiClient(kubeConfig);
    this.custom = kubeConfig.makeApiClient(CustomObjectsApi);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
  }

  async getEnvironment(namespace: string, name: string): Promise<CaptureEnvironment | undefined> {
    try {
      return (await this.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace, name })) as CaptureEnvironment;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async apply<T extends KubernetesObject>(object: T): Promise<T> {
    return this.objects.patch(object, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
  }

  async applyStatus(environment: CaptureEnvironment, status: EnvironmentStatus): Promise<void> {
    const { name, namespace } = environment.metadata;
    await this.custom.patchNamespacedCustomObjectStatus(
      {
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        namespace,
        name,
        body: { apiVersion: API_VERSION, kind: KIND, metadata: { name, namespace }, status },
        fieldManager: FIELD_MANAGER,
        force: true,
      },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
  }

  async applyFinalizers(environment: CaptureEnvironment, finalizers: string[]): Promise<void> {
    const { name, namespace, uid } = environment.metadata;
    // The uid makes the apply fail (409) rather than touch a newer environment of the same name.
    await this.objects.patch(
      { apiVersion: API_VERSION, kind: KIND, metadata: { name, namespace, uid, finalizers } },
      undefined,
      undefined,
      FIELD_MANAGER,
      true,
      PatchStrategy.ServerSideApply,
    );
  }

  async read<T extends KubernetesObject>(address: ObjectAddress): Promise<T | undefined> {
    try {
      return (await this.objects.read({ apiVersion: address.apiVersion, kind: address.kind, metadata: { name: address.name, namespace: address.namespace } })) as T;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async deleteObject(address: ObjectAddress, uid: string): Promise<void> {
    try {
      await this.objects.delete(
        { apiVersion: address.apiVersion, kind: address.kind, metadata: { name: address.name, namespace: address.namespace } },
        undefined,
        undefined,
        undefined,
        undefined,
        'Background',
        { preconditions: { uid } },
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async getSecret(namespace: string, name: string): Promise<V1Secret | undefined> {
    try {
      return await this.core.readNamespacedSecret({ namespace, name });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async createSecret(secret: V1Secret): Promise<boolean> {
    try {
      await this.core.createNamespacedSecret({ namespace: secret.metadata!.namespace!, body: secret, fieldManager: FIELD_MANAGER });
      return true;
    } catch (error) {
      if ((error as { code?: number }).code === 409) return false;
      throw error;
    }
  }

  /**
   * Records an Event, aggregated as client-go's recorder does: the same object, type and reason again
   * updates the one Event (count, message, lastTimestamp) instead of making another.
   */
  async recordEvent(environment: CaptureEnvironment, type: EventType, reason: string, message: string): Promise<void> {
    const { name, namespace, uid, resourceVersion } = environment.metadata;
    const now = new Date();
    const key = `${uid}/${type}/${reason}`;
    const seen = this.recorded.get(key);
    if (seen) {
      try {
        await this.core.patchNamespacedEvent(
          { namespace, name: seen.name, body: { count: seen.count + 1, message: message.slice(0, 1024), lastTimestamp: now } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
        seen.count += 1;
        this.recorded.delete(key);
        this.recorded.set(key, seen); // most recently used last
        return;
      } catch (error) {
        if (!isNotFound(error)) throw error; // expired (events live an hour by default): make a new one
        this.recorded.delete(key);
      }
    }
    const created = await this.core.createNamespacedEvent({
      namespace,
      body: {
        metadata: { generateName: `${name}.`, namespace },
        involvedObject: { apiVersion: API_VERSION, kind: KIND, name, namespace, uid, resourceVersion },
        type,
        reason,
        message: message.slice(0, 1024),
        source: { component: FIELD_MANAGER },
        reportingComponent: 'capturebox.dev/operator',
        reportingInstance: this.reportingInstance,
        action: reason,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    });
    this.recorded.set(key, { name: created.metadata!.name!, count: 1 });
    if (this.recorded.size > EVENT_CACHE_SIZE) this.recorded.delete(this.recorded.keys().next().value!);
  }
}
