import { Controller, Delete, HttpCode, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiProblems, CurrentPrincipal, Roles, userOf } from '#platform';
import { PRIVACY_OFFICER_FORBIDDEN } from '../history.openapi.js';
import { PRIVACY_OFFICER_ROLES, privacyOfficerScope } from '../access/audit-access.js';
import { ErasureService, SUBJECT_MAX_LENGTH } from './erasure.service.js';
import type { ErasureOutcome } from './erasure.service.js';
import { ErasureOutcomeView, SUBJECT_ID_SCHEMA } from './erasure.views.js';

@ApiTags('privacy')
@Roles(...PRIVACY_OFFICER_ROLES)
@Controller('v1/subjects')
export class SubjectsController {
  constructor(private readonly erasure: ErasureService) {}

  @Delete(':subjectId')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Erase a data subject (GDPR)',
    description:
      "personal fields become unreadable everywhere, timelines, statistics and the audit chain stay; repeating it is harmless; role privacy-officer (own organisation's subjects) or privacy-officer:global",
  })
  @ApiParam({
    name: 'subjectId',
    schema: SUBJECT_ID_SCHEMA,
    description: "the requester's userId, or their email for people without an account",
  })
  @ApiOkResponse({
    type: ErasureOutcomeView,
    description:
      'what was erased (identifiers, tickets), keys destroyed (0 when already erased), time, and the seq of the audit entry; role privacy-officer (own organisation) or privacy-officer:global',
  })
  @ApiProblems(
    { status: 400, description: `the subject id is blank or longer than ${SUBJECT_MAX_LENGTH} characters` },
    PRIVACY_OFFICER_FORBIDDEN,
    { status: 404, description: "history holds no personal data of this subject (in the officer's organisation)" },
    {
      status: 503,
      description: 'Kafka is unavailable: nothing was erased; retry after Retry-After seconds',
    },
  )
  async erase(@CurrentPrincipal() principal: unknown, @Param('subjectId') subjectId: string): Promise<ErasureOutcome> {
    return this.erasure.erase(privacyOfficerScope(userOf(principal)), subjectId);
  }
}
