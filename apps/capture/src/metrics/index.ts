export { MetricsModule } from './metrics.module';
export { CaptureMetrics, type RejectionReason } from './capture-metrics';
