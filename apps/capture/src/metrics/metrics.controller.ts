import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CaptureMetrics } from './capture-metrics';

@Controller()
export class MetricsController {
  constructor(private readonly metrics: CaptureMetrics) {}

  @Get('metrics')
  async metricsText(@Res() response: Response): Promise<void> {
    const { contentType, body } = await this.metrics.render();
    response.setHeader('Content-Type', contentType);
    response.send(body);
  }
}
