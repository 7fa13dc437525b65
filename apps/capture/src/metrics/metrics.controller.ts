import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiOperation, contentResponse } from '../openapi';
import { CaptureMetrics } from './capture-metrics';

@Controller()
export class MetricsController {
  constructor(private readonly metrics: CaptureMetrics) {}

  @Get('metrics')
  @ApiOperation({ operationId: 'Metrics', summary: 'Prometheus metrics (text exposition format)', responses: contentResponse('The metrics', 'text/plain') })
  async metricsText(@Res() response: Response): Promise<void> {
    const { contentType, body } = await this.metrics.render();
    response.setHeader('Content-Type', contentType);
    response.send(body);
  }
}
