import { Controller, Delete, Headers, HttpCode, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuditAccess } from '../access/audit-access.js';
import { ErasureService } from './erasure.service.js';
import type { ErasureOutcome } from './erasure.repository.js';

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
  @ApiOkResponse({ description: 'keys destroyed (0 when already erased), tickets concerned, time, and the seq of the audit entry; role privacy-officer' })
  async erase(@Headers('authorization') authorization: string | undefined, @Param('subjectId') subjectId: string): Promise<ErasureOutcome> {
    return this.erasure.erase(await this.access.privacyOfficer(authorization), subjectId);
  }
}
