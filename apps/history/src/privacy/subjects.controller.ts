import { Controller, Delete, HttpCode, Param } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles, userOf } from '#platform';
import { PRIVACY_OFFICER_ROLES, privacyOfficerScope } from '../access/audit-access.js';
import { ErasureService } from './erasure.service.js';
import type { ErasureOutcome } from './erasure.service.js';

@ApiTags('privacy')
@Roles(...PRIVACY_OFFICER_ROLES)
@Controller('v1/subjects')
export class SubjectsController {
  constructor(private readonly erasure: ErasureService) {}

  @Delete(':subjectId')
  @HttpCode(200)
  @ApiOkResponse({
    description:
      'what was erased (identifiers, tickets), keys destroyed (0 when already erased), time, and the seq of the audit entry; role privacy-officer (own organisation) or privacy-officer:global',
  })
  async erase(@CurrentPrincipal() principal: unknown, @Param('subjectId') subjectId: string): Promise<ErasureOutcome> {
    return this.erasure.erase(privacyOfficerScope(userOf(principal)), subjectId);
  }
}
