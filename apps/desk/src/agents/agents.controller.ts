import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, CurrentPrincipal, Roles, userOf } from '#platform';
import { DESK_ROLES } from '../tickets/queue-access.js';
import { AgentListView, AgentView, toAgentView } from './agents.views.js';
import { PresenceBody } from './presence.body.js';
import { PresenceService } from './presence.service.js';

@ApiTags('agents')
@Roles(...DESK_ROLES)
@Controller('v1/desk/agents')
export class AgentsController {
  constructor(private readonly presence: PresenceService) {}

  @Put('me')
  @ApiOperation({
    summary: 'Set your presence',
    description:
      'published on support.agents.v1; going away or offline gives back the tickets assigned to you and not claimed yet',
  })
  @ApiBody({ type: PresenceBody })
  @ApiOkResponse({ type: AgentView, description: 'your presence and current load' })
  @ApiProblems(
    { status: 400, description: 'unknown status, queue or language, or a capacity out of range' },
    { status: 403, description: 'a queue you do not work' },
  )
  async setMine(@CurrentPrincipal() principal: unknown, @Body() body: unknown): Promise<AgentView> {
    return toAgentView(await this.presence.setOwn(userOf(principal), body));
  }

  @Get()
  @ApiOperation({ summary: "Every agent's presence, capacity and load", description: 'team leads only' })
  @ApiOkResponse({ type: AgentListView })
  @ApiProblems({ status: 403, description: 'not a team lead' })
  async list(@CurrentPrincipal() principal: unknown): Promise<AgentListView> {
    this.presence.mayList(userOf(principal));
    return { items: (await this.presence.loads()).map(toAgentView) };
  }
}
