import { Controller, Get, HttpCode, Inject, ServiceUnavailableException } from '@nestjs/common';
import { MESSAGE_STORE, type MessageStore } from '../store';

@Controller()
export class HealthController {
  constructor(@Inject(MESSAGE_STORE) private readonly store: MessageStore) {}

  /** Liveness: the process answers. Deliberately checks nothing else, so a slow store never restarts pods. */
  @Get('healthz')
  @HttpCode(200)
  healthz() {
    return { status: 'ok' };
  }

  /** Readiness: the store answers. */
  @Get('readyz')
  async readyz() {
    try {
      await this.store.ping();
    } catch {
      throw new ServiceUnavailableException('store unreachable');
    }
    return { status: 'ready' };
  }
}
