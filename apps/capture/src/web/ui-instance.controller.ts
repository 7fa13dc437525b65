// GET /ui/instance: what the web UI tells a reader about sending mail here (an empty inbox shows a swaks
// line with these): the SMTP ports as bound and whether SMTP wants an API key. The host is the one the browser
// already uses, so it is not said here.
import { Controller, Get, Inject } from '@nestjs/common';
import { z } from 'zod';
import { CONFIG, type CaptureboxConfig } from '../config';
import { ApiOperation, jsonResponse } from '../openapi';
import { SmtpCaptureServer } from '../smtp';

const InstanceView = z.object({
  smtpPort: z.number().int(),
  smtpImplicitTlsPort: z.number().int().nullable(),
  smtpAuth: z.enum(['required', 'optional', 'off']),
});

@Controller('ui/instance')
export class UiInstanceController {
  constructor(
    @Inject(CONFIG) private readonly config: CaptureboxConfig,
    private readonly smtp: SmtpCaptureServer,
  ) {}

  @Get()
  @ApiOperation({ operationId: 'UiInstance', summary: "The web UI's facts about sending here: SMTP ports and whether SMTP needs an API key", responses: jsonResponse('How to send mail to this instance', InstanceView) })
  instance(): z.infer<typeof InstanceView> {
    // The bound ports, not the configured ones: those may be 0 (any free port).
    const { port, implicitTlsPort, authMode } = this.config.smtp;
    const bound = this.smtp.boundPorts;
    return { smtpPort: bound?.smtp ?? port, smtpImplicitTlsPort: bound ? bound.implicitTls : (implicitTlsPort ?? null), smtpAuth: authMode };
  }
}
