// Test-only fixtures: a stored CaptureEnvironment and its parsed spec, as the API server would hand them over.
import { API_VERSION, KIND, parseEnvironmentSpec, type CaptureEnvironment, type EnvironmentSpec } from '../environment';

export function environmentFixture(spec: Record<string, unknown> = {}, name = 'mail', namespace = 'preview-42'): { environment: CaptureEnvironment; spec: EnvironmentSpec } {
  const environment: CaptureEnvironment = {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name, namespace, uid: '0b6f1c52-5d2e-4a57-9c55-6a1e2f9d7c11', generation: 3, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec,
  };
  return { environment, spec: parseEnvironmentSpec(spec) };
}

export const DEFAULT_IMAGE = 'ghcr.io/capturebox/capturebox:0.1.0';
