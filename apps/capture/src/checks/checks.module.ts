import { Module } from '@nestjs/common';
import { LinkChecker } from './link-checker.service';
import { SpamScorer } from './spam-scorer';

/** Needs MESSAGE_STORE (global store module), events, metrics and the config. */
@Module({
  providers: [SpamScorer, LinkChecker],
  exports: [LinkChecker],
})
export class ChecksModule {}
