import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { ALERT_TARGETS, CHANNELS, PRIORITIES, QUEUES, REQUEST_TYPES, URGENCIES } from '#contracts';
import type { AlertTarget, Priority, Queue, RoutingDecisionPayload } from '#contracts';
import { ASSIGNMENT_POLICIES } from '#rules';
import type { AssignmentPolicy, CalendarSpec } from '#rules';

// The rule set is answered as it was read from its file (RuleSet); these classes only describe it.

export class CalendarView implements CalendarSpec {
  @ApiProperty({ description: 'IANA time zone of the business hours', example: 'Europe/Paris' })
  timeZone!: string;

  @ApiProperty({
    type: 'array',
    items: { type: 'integer', minimum: 1, maximum: 7 },
    description: 'ISO weekdays that are working days (1 = Monday ... 7 = Sunday)',
    example: [1, 2, 3, 4, 5],
  })
  workingDays!: number[];

  @ApiProperty({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', description: 'local opening time', example: '09:00' })
  opens!: string;

  @ApiProperty({
    pattern: '^([01]\\d|2[0-3]):[0-5]\\d$',
    description: 'local closing time (exclusive)',
    example: '18:00',
  })
  closes!: string;

  @ApiProperty({ enum: ['FR', 'none'], description: 'public holiday set' })
  holidays!: 'FR' | 'none';
}

export class MinutesSlaView {
  @ApiProperty({ type: 'number', exclusiveMinimum: true, minimum: 0, example: 30 })
  minutes!: number;

  @ApiProperty({ enum: ['calendar', 'business'], description: 'counted on the calendar clock or in business hours' })
  clock!: 'calendar' | 'business';
}

export class BusinessDaysSlaView {
  @ApiProperty({ type: 'number', exclusiveMinimum: true, minimum: 0, example: 1 })
  businessDays!: number;
}

const SLA_TARGET = {
  oneOf: [{ $ref: getSchemaPath(MinutesSlaView) }, { $ref: getSchemaPath(BusinessDaysSlaView) }],
  description: 'first-response target',
};

@ApiExtraModels(MinutesSlaView, BusinessDaysSlaView)
export class SlaTableView {
  @ApiProperty(SLA_TARGET) P1!: MinutesSlaView | BusinessDaysSlaView;
  @ApiProperty(SLA_TARGET) P2!: MinutesSlaView | BusinessDaysSlaView;
  @ApiProperty(SLA_TARGET) P3!: MinutesSlaView | BusinessDaysSlaView;
  @ApiProperty(SLA_TARGET) P4!: MinutesSlaView | BusinessDaysSlaView;
}

/** A condition holds exactly one of its properties. */
export class ConditionView {
  @ApiPropertyOptional({ type: 'boolean', enum: [true], description: 'matches every request' })
  always?: true;

  @ApiPropertyOptional({ enum: CHANNELS, isArray: true }) channel?: string[];
  @ApiPropertyOptional({ enum: REQUEST_TYPES, isArray: true }) requestType?: string[];
  @ApiPropertyOptional({ enum: URGENCIES, isArray: true }) urgency?: string[];

  @ApiPropertyOptional({ type: 'boolean', description: 'whether the request is about access (login, account)' })
  aboutAccess?: boolean;

  @ApiPropertyOptional({ type: () => [ConditionView], description: 'every condition holds' })
  all?: ConditionView[];

  @ApiPropertyOptional({ type: () => [ConditionView], description: 'at least one condition holds' })
  any?: ConditionView[];

  @ApiPropertyOptional({ type: () => ConditionView, description: 'the condition does not hold' })
  not?: ConditionView;
}

export class PriorityByUrgencyView {
  @ApiProperty({ enum: PRIORITIES, description: 'for an urgency not listed' }) default!: Priority;
  @ApiPropertyOptional({ enum: PRIORITIES }) low?: Priority;
  @ApiPropertyOptional({ enum: PRIORITIES }) normal?: Priority;
  @ApiPropertyOptional({ enum: PRIORITIES }) high?: Priority;
  @ApiPropertyOptional({ enum: PRIORITIES }) critical?: Priority;
}

@ApiExtraModels(PriorityByUrgencyView)
export class RuleActionView {
  @ApiProperty({ enum: QUEUES }) queue!: Queue;

  @ApiProperty({
    oneOf: [{ type: 'string', enum: [...PRIORITIES] }, { $ref: getSchemaPath(PriorityByUrgencyView) }],
    description: 'a priority, or one by urgency',
  })
  priority!: Priority | PriorityByUrgencyView;

  @ApiPropertyOptional({ enum: ['dedicated-psm'], description: "the organisation's PSM, or the PSM pool" })
  assignee?: 'dedicated-psm';

  @ApiPropertyOptional({ type: 'boolean', description: 'alert the phone desk (on-call outside desk hours)' })
  alert?: boolean;
}

export class RuleView {
  @ApiProperty({ pattern: '^[a-z0-9][a-z0-9-]*$', example: 'urgent-access' }) id!: string;
  @ApiPropertyOptional({ type: String }) description?: string;
  @ApiProperty({ type: () => ConditionView, description: 'a condition holds exactly one property' })
  when!: ConditionView;
  @ApiProperty({ type: () => RuleActionView }) then!: RuleActionView;
  @ApiProperty({ description: 'template of the decision reason, placeholders in braces' }) reason!: string;
}

export class AssignmentPoliciesView {
  @ApiProperty({ enum: ASSIGNMENT_POLICIES }) psm!: AssignmentPolicy;
  @ApiProperty({ enum: ASSIGNMENT_POLICIES }) support!: AssignmentPolicy;
}

export class AssignmentView {
  @ApiProperty({ type: () => AssignmentPoliciesView, description: 'how each queue gives its tickets to a person' })
  policies!: AssignmentPoliciesView;
  @ApiProperty({ type: 'integer', minimum: 1, description: 'unresolved tickets an agent takes at once, by default' })
  defaultCapacity!: number;
  @ApiProperty({ type: 'boolean', description: "agents who speak the ticket's language first" })
  preferLanguage!: boolean;
}

export class RuleSetView {
  @ApiProperty({ example: '2026-11-30.1' }) version!: string;
  @ApiPropertyOptional({ type: String }) description?: string;
  @ApiProperty({ type: () => CalendarView }) calendar!: CalendarView;
  @ApiProperty({ type: () => SlaTableView, description: 'first-response target by priority' }) sla!: SlaTableView;
  @ApiProperty({ type: () => AssignmentView }) assignment!: AssignmentView;
  @ApiProperty({ type: () => [RuleView], description: 'in order: the first that matches decides' }) rules!: RuleView[];
}

/** `GET /v1/rules`. */
export class RulesView {
  @ApiProperty({ example: '2026-11-30.1' }) version!: string;
  @ApiProperty({ type: () => RuleSetView }) ruleSet!: RuleSetView;
}

export class AlertRefView {
  @ApiProperty({ enum: ALERT_TARGETS }) target!: AlertTarget;
}

export class AssignmentPreviewView {
  @ApiProperty({ enum: ASSIGNMENT_POLICIES, description: "the queue's assignment policy" }) policy!: AssignmentPolicy;
  @ApiProperty({ type: String, nullable: true, description: 'the person, when presence alone decides (a PSM)' })
  agentId!: string | null;
  @ApiProperty({ type: [String], description: 'online agents of the queue the policy chooses among' })
  candidates!: string[];
  @ApiProperty({ description: 'why, in words' }) reason!: string;
}

/** `POST /v1/routing/preview`: the decision, as `support.tickets.routed.v1` would carry it. */
export class RoutingDecisionView implements RoutingDecisionPayload {
  @ApiProperty({ description: '"preview" for a preview', example: 'preview' }) ticketId!: string;
  @ApiProperty({ enum: QUEUES }) queue!: Queue;
  @ApiProperty({ type: String, nullable: true, description: 'the dedicated PSM, or null for the queue' })
  assignee!: string | null;
  @ApiProperty({ enum: PRIORITIES }) priority!: Priority;
  @ApiProperty({ format: 'date-time', description: 'first-response due time' }) slaDueAt!: string;
  @ApiProperty({ example: 'urgent-access' }) ruleId!: string;
  @ApiProperty({ example: '2026-11-30.1' }) ruleSetVersion!: string;
  @ApiProperty({ description: 'why, in words' }) reason!: string;
  @ApiProperty({ type: () => AlertRefView, nullable: true, description: 'null: no alert' })
  alert!: AlertRefView | null;
  @ApiProperty({ type: () => AssignmentPreviewView, description: 'preview only: who would get the ticket now' })
  assignment!: AssignmentPreviewView;
}
