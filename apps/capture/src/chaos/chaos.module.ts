import { Module } from '@nestjs/common';
import { ChaosService } from './chaos.service';

/** One ChaosService per process: smtp/ asks it at each stage, the admin API sets its rules. */
@Module({
  providers: [ChaosService],
  exports: [ChaosService],
})
export class ChaosModule {}
