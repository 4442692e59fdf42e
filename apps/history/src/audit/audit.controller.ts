import { Controller, Get, Headers, Query, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AuditAccess } from '../access/audit-access.js';
import { AuditService } from './audit.service.js';
import type { VerifyOutcome } from './chain-verifier.js';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1')
export class AuditController {
  constructor(
    private readonly access: AuditAccess,
    private readonly audit: AuditService,
  ) {}

  @Get('audit/verify')
  @ApiOkResponse({
    description:
      'ok with the head seq and hash, or the first broken entry; it walks the whole store: role auditor:global',
  })
  async verify(@Headers('authorization') authorization: string | undefined): Promise<VerifyOutcome> {
    return this.audit.verify(await this.access.globalAuditor(authorization));
  }

  @Get('export')
  @ApiProduces('application/x-ndjson', 'text/csv')
  @ApiQuery({ name: 'format', enum: ['ndjson', 'csv'] })
  @ApiQuery({ name: 'from', required: false, description: 'occurred at or after (ISO-8601)' })
  @ApiQuery({ name: 'to', required: false, description: 'occurred before (ISO-8601)' })
  @ApiOkResponse({ description: 'every event in chain order, streamed; personal data is never exported' })
  async exportEvents(
    @Headers('authorization') authorization: string | undefined,
    @Query() query: Record<string, unknown>,
  ): Promise<StreamableFile> {
    const stream = await this.audit.exportEvents(await this.access.auditor(authorization), query);
    return new StreamableFile(stream.body, {
      type: stream.contentType,
      disposition: `attachment; filename="${stream.fileName}"`,
    });
  }
}
