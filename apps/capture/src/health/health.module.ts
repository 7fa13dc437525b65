import { Module } from '@nestjs/common';
import { SmtpModule } from '../smtp';
import { HealthController } from './health.controller';

@Module({ imports: [SmtpModule], controllers: [HealthController] })
export class HealthModule {}
