import type { V1Service } from '@kubernetes/client-node';
import { HTTP_PORT, SMTP_PORT, SMTPS_PORT, objectNames, selectorLabels } from '../environment/names';
import { OWNED, typeMeta } from '../environment/owned-kinds';
import type { EnvironmentSpec } from '../environment/spec';
import { ownedMetadata, type Owner } from './owner';

/** The in-cluster address applications send to (SMTP) and read from (HTTP): <name>.<namespace>.svc. */
export function buildService(owner: Owner, spec: EnvironmentSpec): V1Service {
  return {
    ...typeMeta(OWNED.service),
    metadata: ownedMetadata(owner, objectNames(owner.metadata).service),
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(owner.metadata),
      ports: [
        { name: 'smtp', port: SMTP_PORT, targetPort: 'smtp' as never, protocol: 'TCP' },
        ...(spec.smtp.implicitTls ? [{ name: 'smtps', port: SMTPS_PORT, targetPort: 'smtps' as never, protocol: 'TCP' }] : []),
        { name: 'http', port: HTTP_PORT, targetPort: 'http' as never, protocol: 'TCP' },
      ],
    },
  };
}
