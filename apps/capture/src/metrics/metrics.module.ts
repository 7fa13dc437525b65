import { Global, Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { CaptureMetrics } from './capture-metrics';
import { HttpMetricsMiddleware } from './http-metrics.middleware';
import { MetricsController } from './metrics.controller';

@Global()
@Module({
  providers: [CaptureMetrics, HttpMetricsMiddleware],
  controllers: [MetricsController],
  exports: [CaptureMetrics],
})
export class MetricsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*splat');
  }
}
