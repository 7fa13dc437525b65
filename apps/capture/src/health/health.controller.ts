import { Controller, Get, HttpCode, Inject, ServiceUnavailableException } from '@nestjs/common';
import { z } from 'zod';
import { ApiOperation, jsonResponse } from '../openapi';
import { SmtpCaptureServer } from '../smtp';
import { MESSAGE_STORE, type MessageStore } from '../store';

@Controller()
export class HealthController {
  constructor(
    @Inject(MESSAGE_STORE) private readonly store: MessageStore,
    private readonly smtp: SmtpCaptureServer,
  ) {}

  /** Liveness: the process answers. Deliberately checks nothing else, so a slow store never restarts pods. */
  @Get('healthz')
  @ApiOperation({ operationId: 'Healthz', summary: 'Liveness: the process answers', responses: jsonResponse('Alive', z.object({ status: z.literal('ok') })) })
  @HttpCode(200)
  healthz() {
    return { status: 'ok' };
  }

  /** Readiness: the SMTP listeners are up (not yet, or no longer while draining) and the store can take mail now. */
  @Get('readyz')
  @ApiOperation({ operationId: 'Readyz', summary: 'Readiness: SMTP is listening and the store can take mail now', responses: jsonResponse('Ready', z.object({ status: z.literal('ready') })) })
  async readyz() {
    if (!this.smtp.listening) throw new ServiceUnavailableException('smtp listeners not accepting');
    try {
      await this.store.ping();
    } catch {
      throw new ServiceUnavailableException('store cannot take mail now (unreachable, or its volume is full)');
    }
    return { status: 'ready' };
  }
}
