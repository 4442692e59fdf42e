import { Injectable, Logger } from '@nestjs/common';
import { ApplicationError, Clock, OutboxRelay } from '#platform';
import type { UserPrincipal } from '#platform';
import { acknowledgedEvent } from './alert-events.js';
import { ALERT_STATUS_FILTERS } from './alert-record.js';
import type { AlertStatusFilter } from './alert-record.js';
import { AlertRepository } from './alert.repository.js';
import { toAlertView } from './alert.views.js';
import type { AlertListView, AlertView } from './alert.views.js';
import { ContactRepository } from '../recipients/contact.repository.js';
import type { AlertRecord } from './alert-record.js';

export const AlertErrorCode = {
  notFound: 'ALERT_NOT_FOUND',
  alreadyAcknowledged: 'ALERT_ALREADY_ACKNOWLEDGED',
  invalidQuery: 'INVALID_QUERY',
} as const;

export const PHONE_DESK_ROLE = 'phone-desk';
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 500;

export interface AlertQuery {
  readonly status?: string | undefined;
  readonly limit?: string | undefined;
}

/**
 * The phone desk's view of alerts and its acknowledgement. Acknowledging twice is harmless for
 * the operator who did it (same answer, 200); another operator learns who was first (409).
 */
@Injectable()
export class AlertsService {
  private readonly logger = new Logger(AlertsService.name);

  constructor(
    private readonly alerts: AlertRepository,
    private readonly contacts: ContactRepository,
    private readonly clock: Clock,
    private readonly relay: OutboxRelay,
  ) {}

  async list(query: AlertQuery): Promise<AlertListView> {
    const { status, limit } = parseQuery(query);
    return { items: await this.views(await this.alerts.list(status, limit)) };
  }

  /** Alerts with what the operator needs to call back: the requester's contact and the request's text. */
  private async views(alerts: readonly AlertRecord[]): Promise<AlertView[]> {
    const contacts = await this.contacts.forAlerts([...new Set(alerts.map((alert) => alert.ticketId))]);
    return alerts.map((alert) => toAlertView(alert, contacts.get(alert.ticketId)));
  }

  private async view(alert: AlertRecord): Promise<AlertView> {
    const contacts = await this.contacts.forAlerts([alert.ticketId]);
    return toAlertView(alert, contacts.get(alert.ticketId));
  }

  async acknowledge(operator: UserPrincipal, alertId: string): Promise<AlertView> {
    const now = this.clock.now();
    const outcome = await this.alerts.acknowledge(alertId, operator.userId, now, (alert) =>
      acknowledgedEvent(alert, operator.userId, now),
    );
    switch (outcome.kind) {
      case 'not-found':
        throw new ApplicationError(AlertErrorCode.notFound, 404, `no alert ${alertId}`);
      case 'already-acknowledged': {
        const { alert } = outcome;
        if (alert.acknowledgedBy === operator.userId) return this.view(alert);
        throw new ApplicationError(
          AlertErrorCode.alreadyAcknowledged,
          409,
          `alert ${alertId} was already acknowledged by ${alert.acknowledgedBy ?? 'another operator'} at ${alert.acknowledgedAt?.toISOString() ?? 'an earlier time'}`,
        );
      }
      case 'acknowledged':
        this.logger.log({
          msg: 'alert acknowledged',
          alertId,
          ticketId: outcome.alert.ticketId,
          operator: operator.userId,
          level: outcome.alert.escalationLevel,
        });
        this.relay.wake();
        return this.view(outcome.alert);
    }
  }
}

function parseQuery(query: AlertQuery): { status: AlertStatusFilter; limit: number } {
  const errors: { field: string; code: string; message: string }[] = [];
  const status = query.status ?? 'open';
  if (!(ALERT_STATUS_FILTERS as readonly string[]).includes(status)) {
    errors.push({ field: 'status', code: 'isIn', message: `status must be one of ${ALERT_STATUS_FILTERS.join(', ')}` });
  }
  const limit = query.limit === undefined ? DEFAULT_LIMIT : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    errors.push({ field: 'limit', code: 'range', message: `limit must be an integer from 1 to ${MAX_LIMIT}` });
  }
  if (errors.length > 0)
    throw new ApplicationError(AlertErrorCode.invalidQuery, 400, 'invalid query parameters', errors);
  return { status: status as AlertStatusFilter, limit };
}
