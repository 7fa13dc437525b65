// cert-manager Certificate for STARTTLS / implicit TLS (and HTTPS when asked), only when an issuer is named.
import { objectNames } from '../environment/names';
import { OWNED, typeMeta } from '../environment/owned-kinds';
import type { EnvironmentSpec } from '../environment/spec';
import { ownedMetadata, type Owner } from './owner';
import type { V1ObjectMeta } from '@kubernetes/client-node';

export interface Certificate {
  apiVersion: 'cert-manager.io/v1';
  kind: 'Certificate';
  metadata: V1ObjectMeta;
  spec: {
    secretName: string;
    duration?: string;
    renewBefore?: string;
    privateKey: { algorithm: 'ECDSA'; size: 256; rotationPolicy: 'Always' };
    usages: string[];
    dnsNames: string[];
    issuerRef: { name: string; kind: string; group: string };
    secretTemplate: { labels: Record<string, string> };
  };
  status?: { conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>; notAfter?: string };
}

export function defaultDnsNames(owner: Owner): string[] {
  const { name, namespace } = owner.metadata;
  return [name, `${name}.${namespace}`, `${name}.${namespace}.svc`, `${name}.${namespace}.svc.cluster.local`];
}

export function buildCertificate(owner: Owner, spec: EnvironmentSpec): Certificate | undefined {
  const issuerRef = spec.tls?.issuerRef;
  if (!issuerRef) return undefined;
  const names = objectNames(owner.metadata);
  const metadata = ownedMetadata(owner, names.certificate);
  return {
    ...typeMeta(OWNED.certificate),
    metadata,
    spec: {
      secretName: names.tlsSecret,
      ...(spec.tls?.duration ? { duration: spec.tls.duration } : {}),
      ...(spec.tls?.renewBefore ? { renewBefore: spec.tls.renewBefore } : {}),
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
      usages: ['server auth'],
      dnsNames: spec.tls?.dnsNames?.length ? spec.tls.dnsNames : defaultDnsNames(owner),
      issuerRef: { name: issuerRef.name, kind: issuerRef.kind, group: issuerRef.group },
      // The issued Secret is cert-manager's; the labels only say which environment it serves.
      secretTemplate: { labels: metadata.labels! },
    },
  };
}
