import { Controller, Delete, Headers, HttpCode, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuditAccess } from '../access/audit-access.js';
import { ErasureService } from './erasure.service.js';
import type { ErasureOutcome } from './erasure.service.js';

@ApiTags('privacy')
@ApiBearerAuth()
@Controller('v1/subjects')
export class SubjectsController {
  constructor(
    private readonly access: AuditAccess,
    private readonly erasure: ErasureService,
  ) {}

  @Delete(':subjectId')
  @HttpCode(200)
  @ApiOkResponse({
    description:
      'what was erased (identifiers, tickets), keys destroyed (0 when already erased), time, and the seq of the audit entry; role privacy-officer (own organisation) or privacy-officer:global',
  })
  async erase(
    @Headers('authorization') authorization: string | undefined,
    @Param('subjectId') subjectId: string,
  ): Promise<ErasureOutcome> {
    return this.erasure.erase(await this.access.privacyOfficer(authorization), subjectId);
  }
}
