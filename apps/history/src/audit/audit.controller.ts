import { Controller, Get, Query, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles, userOf } from '#platform';
import { AUDITOR_ROLES, auditorScope } from '../access/audit-access.js';
import { AuditService } from './audit.service.js';
import type { VerifyOutcome } from './chain-verifier.js';

@ApiTags('audit')
@Controller('v1')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get('audit/verify')
  @Roles('auditor:global')
  @ApiOkResponse({
    description:
      'ok with the head seq and hash, or the first broken entry; it walks the whole store: role auditor:global',
  })
  async verify(@CurrentPrincipal() principal: unknown): Promise<VerifyOutcome> {
    return this.audit.verify(auditorScope(userOf(principal)));
  }

  @Get('export')
  @Roles(...AUDITOR_ROLES)
  @ApiProduces('application/x-ndjson', 'text/csv')
  @ApiQuery({ name: 'format', enum: ['ndjson', 'csv'] })
  @ApiQuery({ name: 'from', required: false, description: 'occurred at or after (ISO-8601)' })
  @ApiQuery({ name: 'to', required: false, description: 'occurred before (ISO-8601)' })
  @ApiOkResponse({ description: 'every event in chain order, streamed; personal data is never exported' })
  async exportEvents(
    @CurrentPrincipal() principal: unknown,
    @Query() query: Record<string, unknown>,
  ): Promise<StreamableFile> {
    const stream = await this.audit.exportEvents(auditorScope(userOf(principal)), query);
    return new StreamableFile(stream.body, {
      type: stream.contentType,
      disposition: `attachment; filename="${stream.fileName}"`,
    });
  }
}
