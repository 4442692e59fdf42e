import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Sse } from '@nestjs/common';
import type { MessageEvent } from '@nestjs/common';
import {
  ApiBody,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { Observable } from 'rxjs';
import { QUEUES, TICKET_REFERENCE_PATTERN, TICKET_STATUSES } from '#contracts';
import type { Queue, TicketStatus } from '#contracts';
import { ApiProblems, ApplicationError, CurrentPrincipal, Roles, userOf } from '#platform';
import { AccessRecorder } from '../privacy/access-recorder.js';
import { StreamHub } from '../stream/stream.hub.js';
import { DeskActions, DeskErrorCode, invalidBody } from './desk-actions.service.js';
import { DeskTicketRepository } from './desk-ticket.repository.js';
import {
  DeskTicketListView,
  DeskTicketView,
  QueueListView,
  toDeskTicketView,
  toQueueTicketView,
} from './desk.views.js';
import { DESK_ROLES, isLead, mayOpen, queuesOf, streamFilter } from './queue-access.js';
import { AssignBody, ReplyBody } from './reply.body.js';

const ACTION_PROBLEMS = [
  { status: 404, description: 'no such ticket in desk (yet)' },
  { status: 403, description: "the ticket is in a queue you do not work (in psm: another PSM's)" },
] as const;

/** Agents work the queues here; every action is published on Kafka like any agent app's. */
@ApiTags('desk')
@Roles(...DESK_ROLES)
@Controller('v1/desk')
export class DeskController {
  constructor(
    private readonly tickets: DeskTicketRepository,
    private readonly actions: DeskActions,
    private readonly access: AccessRecorder,
    private readonly hub: StreamHub,
  ) {}

  @Get('queues/:queue/tickets')
  @ApiOperation({
    summary: "A queue's tickets",
    description:
      'unresolved tickets (or those of one status), the most urgent response first; in psm a PSM sees their own and the pool’s',
  })
  @ApiParam({ name: 'queue', enum: QUEUES })
  @ApiQuery({ name: 'status', required: false, enum: TICKET_STATUSES })
  @ApiOkResponse({ type: QueueListView })
  @ApiProblems(
    { status: 400, description: 'unknown queue or status' },
    { status: 403, description: 'a queue you do not work' },
  )
  async queue(
    @CurrentPrincipal() principal: unknown,
    @Param('queue') queue: string,
    @Query('status') status: string | undefined,
  ): Promise<QueueListView> {
    const user = userOf(principal);
    if (!(QUEUES as readonly string[]).includes(queue))
      throw invalidBody([
        { field: 'queue', code: 'invalidQueue', message: `queue must be one of ${QUEUES.join(', ')}` },
      ]);
    if (status !== undefined && !(TICKET_STATUSES as readonly string[]).includes(status))
      throw invalidBody([
        { field: 'status', code: 'invalidStatus', message: `status must be one of ${TICKET_STATUSES.join(', ')}` },
      ]);
    if (!queuesOf(user).includes(queue as Queue)) throw forbiddenQueue(queue);
    const rows = await this.tickets.listQueue({
      queue: queue as Queue,
      ...(status === undefined ? {} : { status: status as TicketStatus }),
      ownOrUnassigned: queue === 'psm' && !isLead(user) ? user.userId : null,
      limit: 500,
    });
    return { items: rows.map(toQueueTicketView) };
  }

  @Get('tickets')
  @ApiOperation({ summary: 'Find tickets by reference or request id', description: 'among the queues you work' })
  @ApiQuery({ name: 'reference', required: false, type: String, example: 'SR-7K4Q-M2XD' })
  @ApiQuery({ name: 'requestId', required: false, type: String })
  @ApiOkResponse({ type: DeskTicketListView })
  @ApiProblems({ status: 400, description: 'neither a reference nor a request id, or a malformed reference' })
  async find(
    @CurrentPrincipal() principal: unknown,
    @Query('reference') reference: string | undefined,
    @Query('requestId') requestId: string | undefined,
  ): Promise<DeskTicketListView> {
    const user = userOf(principal);
    if (reference === undefined && requestId === undefined)
      throw invalidBody([{ field: 'reference', code: 'required', message: 'give a reference or a requestId' }]);
    if (reference !== undefined && !TICKET_REFERENCE_PATTERN.test(reference))
      throw invalidBody([
        { field: 'reference', code: 'invalidReference', message: 'reference must look like SR-7K4Q-M2XD' },
      ]);
    const rows = await this.tickets.findBy({
      ...(reference === undefined ? {} : { reference: reference.toUpperCase() }),
      ...(requestId === undefined ? {} : { requestId }),
    });
    return { items: rows.filter((ticket) => mayOpen(user, ticket)).map(toQueueTicketView) };
  }

  @Get('tickets/:ticketId')
  @ApiOperation({
    summary: 'A ticket and its conversation',
    description: "shows the requester's personal data: each read is recorded in history first (who, whose, when)",
  })
  @ApiParam({ name: 'ticketId', type: String })
  @ApiOkResponse({ type: DeskTicketView })
  @ApiProblems(...ACTION_PROBLEMS, { status: 503, description: 'the read could not be recorded: nothing is shown' })
  async ticket(@CurrentPrincipal() principal: unknown, @Param('ticketId') ticketId: string): Promise<DeskTicketView> {
    const user = userOf(principal);
    const ticket = await this.actions.visibleTicket(user, ticketId);
    await this.access.record(user, ticketId, 'desk.ticket');
    return toDeskTicketView(ticket, await this.tickets.conversation(ticketId));
  }

  @Post('tickets/:ticketId/claim')
  @HttpCode(200)
  @ApiOperation({ summary: 'Claim a ticket', description: 'you become its assignee; claiming it again is harmless' })
  @ApiParam({ name: 'ticketId', type: String })
  @ApiOkResponse({ type: DeskTicketView, description: 'the new state (without the conversation)' })
  @ApiProblems(...ACTION_PROBLEMS, { status: 409, description: 'claimed by someone else, or resolved' })
  async claim(@CurrentPrincipal() principal: unknown, @Param('ticketId') ticketId: string): Promise<DeskTicketView> {
    return toDeskTicketView(await this.actions.claim(userOf(principal), ticketId), []);
  }

  @Post('tickets/:ticketId/reply')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Reply to the requester, or add an internal note',
    description: 'a public reply is sent to the requester on their channel; an internal note never is',
  })
  @ApiParam({ name: 'ticketId', type: String })
  @ApiBody({ type: ReplyBody })
  @ApiOkResponse({ type: DeskTicketView, description: 'the new state (without the conversation)' })
  @ApiProblems(
    { status: 400, description: 'empty or too long text, unknown visibility: the field errors say which' },
    ...ACTION_PROBLEMS,
    { status: 409, description: 'a public reply to a ticket claimed by someone else, or resolved' },
    { status: 413, description: 'the body is over 64 KiB' },
    { status: 415, description: 'not application/json' },
  )
  async reply(
    @CurrentPrincipal() principal: unknown,
    @Param('ticketId') ticketId: string,
    @Body() body: unknown,
  ): Promise<DeskTicketView> {
    return toDeskTicketView(await this.actions.reply(userOf(principal), ticketId, body), []);
  }

  @Post('tickets/:ticketId/resolve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resolve a ticket', description: 'resolving it again is harmless' })
  @ApiParam({ name: 'ticketId', type: String })
  @ApiOkResponse({ type: DeskTicketView, description: 'the new state (without the conversation)' })
  @ApiProblems(...ACTION_PROBLEMS, { status: 409, description: 'claimed by someone else' })
  async resolve(@CurrentPrincipal() principal: unknown, @Param('ticketId') ticketId: string): Promise<DeskTicketView> {
    return toDeskTicketView(await this.actions.resolve(userOf(principal), ticketId), []);
  }

  @Post('tickets/:ticketId/reopen')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reopen a resolved ticket' })
  @ApiParam({ name: 'ticketId', type: String })
  @ApiOkResponse({ type: DeskTicketView, description: 'the new state (without the conversation)' })
  @ApiProblems(...ACTION_PROBLEMS, { status: 409, description: 'the ticket is not resolved' })
  async reopen(@CurrentPrincipal() principal: unknown, @Param('ticketId') ticketId: string): Promise<DeskTicketView> {
    return toDeskTicketView(await this.actions.reopen(userOf(principal), ticketId), []);
  }

  @Post('tickets/:ticketId/assign')
  @HttpCode(200)
  @ApiOperation({ summary: 'Give a ticket to an agent', description: 'team leads only' })
  @ApiParam({ name: 'ticketId', type: String })
  @ApiBody({ type: AssignBody })
  @ApiOkResponse({ type: DeskTicketView, description: 'the new state (without the conversation)' })
  @ApiProblems(
    { status: 400, description: 'no agentId' },
    { status: 403, description: 'only team leads (role lead) assign tickets' },
    { status: 404, description: 'no such ticket in desk (yet)' },
    { status: 409, description: 'the ticket is resolved' },
  )
  async assign(
    @CurrentPrincipal() principal: unknown,
    @Param('ticketId') ticketId: string,
    @Body() body: unknown,
  ): Promise<DeskTicketView> {
    return toDeskTicketView(await this.actions.assign(userOf(principal), ticketId, body), []);
  }

  @Sse('stream')
  @ApiOperation({
    summary: 'Live events of your queues (Server-Sent Events)',
    description:
      'event types ticket.added, ticket.assigned, ticket.changed, ticket.resolved (data: the queue row), and heartbeat; reconnect with Last-Event-ID to miss nothing',
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'the id of the last event received' })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'an event stream', schema: { type: 'string' } })
  @ApiProblems({ status: 400, description: 'Last-Event-ID is not an event id' })
  stream(
    @CurrentPrincipal() principal: unknown,
    @Headers('last-event-id') lastEventId: string | undefined,
  ): Observable<MessageEvent> {
    const user = userOf(principal);
    if (lastEventId !== undefined && !/^\d{1,19}$/.test(lastEventId))
      throw invalidBody([
        { field: 'Last-Event-ID', code: 'invalidHeader', message: 'Last-Event-ID must be an event id' },
      ]);
    return this.hub.stream(streamFilter(user), lastEventId === undefined ? undefined : BigInt(lastEventId));
  }
}

function forbiddenQueue(queue: string): ApplicationError {
  return new ApplicationError(DeskErrorCode.notYourQueue, 403, `you do not work the ${queue} queue`);
}
