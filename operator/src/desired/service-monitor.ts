// prometheus-operator ServiceMonitor scraping the appliance's /metrics, only when spec.metrics.serviceMonitor.
import type { V1ObjectMeta } from '@kubernetes/client-node';
import { objectNames, selectorLabels } from '../environment/names';
import { OWNED, typeMeta } from '../environment/owned-kinds';
import type { EnvironmentSpec } from '../environment/spec';
import { ownedMetadata, type Owner } from './owner';

export interface ServiceMonitor {
  apiVersion: 'monitoring.coreos.com/v1';
  kind: 'ServiceMonitor';
  metadata: V1ObjectMeta;
  spec: {
    selector: { matchLabels: Record<string, string> };
    namespaceSelector: { matchNames: string[] };
    endpoints: Array<{ port: string; path: string; interval: string; scheme: 'http' | 'https'; tlsConfig?: { insecureSkipVerify: boolean } }>;
  };
}

export function buildServiceMonitor(owner: Owner, spec: EnvironmentSpec): ServiceMonitor | undefined {
  if (!spec.metrics.serviceMonitor) return undefined;
  const https = spec.tls?.http ?? false;
  return {
    ...typeMeta(OWNED.serviceMonitor),
    metadata: ownedMetadata(owner, objectNames(owner.metadata).serviceMonitor, spec.metrics.labels ?? {}),
    spec: {
      selector: { matchLabels: selectorLabels(owner.metadata) },
      namespaceSelector: { matchNames: [owner.metadata.namespace] },
      endpoints: [
        {
          port: 'http',
          path: '/metrics',
          interval: spec.metrics.interval,
          scheme: https ? 'https' : 'http',
          // The certificate names the Service, not the pod IP Prometheus scrapes.
          ...(https ? { tlsConfig: { insecureSkipVerify: true } } : {}),
        },
      ],
    },
  };
}
