// The chaos admin API (admin keys only): SMTP failures on demand (README "Chaos"). Rules act in this process only.
import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import { AccountsService } from '../accounts';
import { ChaosRuleInput, ChaosService, unreachableReason, type ChaosRule } from '../chaos';
import { inboxOf } from '../domain';
import { ApiOperation, jsonResponse } from '../openapi';
import { requireAdmin } from './admin.controller';
import { parseBody } from './api-input';
import { badRequest, notFound } from './api-errors';
import { CurrentCaller, type Caller } from './caller';

const ChaosRuleIdParam = z.string().meta({ description: "A chaos rule's id" });
const ChaosRuleView = z.object({ _id: z.string(), created: z.string().meta({ format: 'date-time' }), rule: z.record(z.string(), z.unknown()) });

function view(rule: ChaosRule): z.infer<typeof ChaosRuleView> {
  const { id, created, ...spec } = rule;
  return { _id: id, created: created.toISOString(), rule: spec };
}

@Controller('api/admin/chaos')
export class ChaosController {
  constructor(
    private readonly chaos: ChaosService,
    private readonly accounts: AccountsService,
  ) {}

  @Get()
  @ApiOperation({ operationId: 'AdminListChaosRules', summary: "This process's chaos rules, oldest first", responses: jsonResponse('The rules', z.array(ChaosRuleView)), errors: ['forbidden'] })
  list(@CurrentCaller() caller: Caller) {
    requireAdmin(caller);
    return this.chaos.list().map(view);
  }

  @Post()
  @ApiOperation({ operationId: 'AdminAddChaosRule', summary: 'Add a chaos rule: refuse or delay at an SMTP stage, a rate limit or a connection limit', body: ChaosRuleInput, responses: jsonResponse('The rule', ChaosRuleView, 201), errors: ['forbidden', 'not_found', 'conflict'] })
  async add(@CurrentCaller() caller: Caller, @Body() body: unknown) {
    requireAdmin(caller);
    const spec = parseBody(ChaosRuleInput, body);
    const unreachable = unreachableReason(spec);
    if (unreachable) throw badRequest('Invalid request body', [`scope: ${unreachable}`]);
    if (spec.kind !== 'connection_limit' && spec.scope) {
      if ('account' in spec.scope) {
        const account = await this.accounts.getAccount(spec.scope.account);
        if (!account) throw notFound('Account not found.');
        spec.scope = { account: account.id };
      } else spec.scope = { address: inboxOf(spec.scope.address) };
    }
    return view(this.chaos.add(spec));
  }

  @Delete()
  @ApiOperation({ operationId: 'AdminClearChaosRules', summary: 'Turn chaos off: delete every rule', responses: jsonResponse('How many rules went', z.object({ deleted: z.number().int() })), errors: ['forbidden'] })
  @HttpCode(200)
  clear(@CurrentCaller() caller: Caller) {
    requireAdmin(caller);
    return { deleted: this.chaos.clear() };
  }

  @Delete(':id')
  @ApiOperation({ operationId: 'AdminDeleteChaosRule', summary: 'Delete one chaos rule', params: { id: ChaosRuleIdParam }, responses: jsonResponse('Deleted', z.object({ _id: z.string(), deleted: z.literal(true) })), errors: ['forbidden', 'not_found'] })
  @HttpCode(200)
  remove(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    requireAdmin(caller);
    if (!this.chaos.remove(id)) throw notFound('Chaos rule not found.');
    return { _id: id, deleted: true };
  }
}
