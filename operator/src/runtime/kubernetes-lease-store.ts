// The leader Lease as a coordination.k8s.io/v1 object; writes carry the resourceVersion they read.
import { CoordinationV1Api, KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { isConflict, isNotFound } from '../reconcile/kubernetes-errors';
import { LeaseConflictError, type LeaseRecord, type LeaseStore, type StoredLease } from './leader-election';

export class KubernetesLeaseStore implements LeaseStore {
  private readonly api: CoordinationV1Api;

  constructor(
    kubeConfig: KubeConfig,
    private readonly namespace: string,
    private readonly name: string,
  ) {
    this.api = kubeConfig.makeApiClient(CoordinationV1Api);
  }

  async get(): Promise<StoredLease | undefined> {
    try {
      const lease = await this.api.readNamespacedLease({ namespace: this.namespace, name: this.name });
      const spec = lease.spec ?? {};
      return {
        resourceVersion: lease.metadata?.resourceVersion ?? '',
        record: {
          holderIdentity: spec.holderIdentity ?? '',
          leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
          // MicroTime is not in the client's type map, so it arrives as the server's string.
          acquireTime: String(spec.acquireTime ?? ''),
          renewTime: String(spec.renewTime ?? ''),
          leaseTransitions: spec.leaseTransitions ?? 0,
        },
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async create(record: LeaseRecord): Promise<void> {
    try {
      await this.api.createNamespacedLease({ namespace: this.namespace, body: this.lease(record) });
    } catch (error) {
      if (isConflict(error)) throw new LeaseConflictError(`lease ${this.name} was created meanwhile`);
      throw error;
    }
  }

  async update(record: LeaseRecord, resourceVersion: string): Promise<void> {
    try {
      await this.api.replaceNamespacedLease({ namespace: this.namespace, name: this.name, body: this.lease(record, resourceVersion) });
    } catch (error) {
      if (isConflict(error)) throw new LeaseConflictError(`lease ${this.name} changed meanwhile`);
      throw error;
    }
  }

  private lease(record: LeaseRecord, resourceVersion?: string): V1Lease {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.name, namespace: this.namespace, ...(resourceVersion ? { resourceVersion } : {}), labels: { 'app.kubernetes.io/part-of': 'capturebox' } },
      spec: {
        holderIdentity: record.holderIdentity,
        leaseDurationSeconds: record.leaseDurationSeconds,
        acquireTime: record.acquireTime as never,
        renewTime: record.renewTime as never,
        leaseTransitions: record.leaseTransitions,
      },
    };
  }
}
