import { Controller, Get, Query, StreamableFile } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiQuery, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { ApiProblems, CurrentPrincipal, Roles, userOf } from '#platform';
import { AUDITOR_WITHOUT_ORGANISATION, INVALID_QUERY, ISO_8601 } from '../history.openapi.js';
import { AUDITOR_ROLES, auditorScope } from '../access/audit-access.js';
import { AuditService } from './audit.service.js';
import { ChainBrokenView, ChainIntactView, ExportedEventView } from './audit.views.js';
import type { VerifyOutcome } from './chain-verifier.js';
import { CSV_HEADER, EXPORT_FORMATS } from './export-format.js';

@ApiTags('audit')
@ApiExtraModels(ChainIntactView, ChainBrokenView, ExportedEventView)
@Controller('v1')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get('audit/verify')
  @Roles('auditor:global')
  @ApiOperation({
    summary: 'Verify the audit chain',
    description: 'walks the whole store, every organisation: role auditor:global',
  })
  @ApiOkResponse({
    description:
      'ok with the head seq and hash, or the first broken entry; it walks the whole store: role auditor:global',
    schema: { oneOf: [{ $ref: getSchemaPath(ChainIntactView) }, { $ref: getSchemaPath(ChainBrokenView) }] },
  })
  async verify(@CurrentPrincipal() principal: unknown): Promise<VerifyOutcome> {
    return this.audit.verify(auditorScope(userOf(principal)));
  }

  @Get('export')
  @Roles(...AUDITOR_ROLES)
  @ApiOperation({
    summary: 'Export the audit history',
    description:
      'every event in chain order, streamed, as ndjson or csv; role auditor (own organisation) or auditor:global',
  })
  @ApiQuery({ name: 'format', enum: EXPORT_FORMATS })
  @ApiQuery({ name: 'from', required: false, schema: ISO_8601, description: 'occurred at or after (ISO-8601)' })
  @ApiQuery({ name: 'to', required: false, schema: ISO_8601, description: 'occurred before (ISO-8601)' })
  @ApiOkResponse({
    description:
      'every event in chain order, streamed, one ExportedEventView a line (ndjson) or a row (csv); personal data is never exported',
    content: {
      'application/x-ndjson': { schema: { $ref: getSchemaPath(ExportedEventView) } },
      'text/csv': {
        schema: { type: 'string', description: `a header row (${CSV_HEADER.trim()}), then one row per event` },
      },
    },
  })
  // Joined to the 403 @Roles documents (same route): a missing role.
  @ApiProblems(
    { ...INVALID_QUERY, description: 'format missing, or an invalid query parameter: the field errors say which' },
    AUDITOR_WITHOUT_ORGANISATION,
  )
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
