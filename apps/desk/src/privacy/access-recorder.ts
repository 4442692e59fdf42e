import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Topics } from '#contracts';
import { EventPublisher, KafkaPublishError } from '#kafka';
import { ApplicationError, Clock } from '#platform';
import type { UserPrincipal } from '#platform';

export const ACCESS_NOT_RECORDED = 'ACCESS_NOT_RECORDED';

/**
 * Every read of a requester's personal data through desk is recorded in history (who, whose ticket,
 * when, for what) before the data is shown: when the record cannot be written, the data is not shown.
 */
@Injectable()
export class AccessRecorder {
  constructor(
    private readonly publisher: EventPublisher,
    private readonly clock: Clock,
  ) {}

  async record(user: UserPrincipal, ticketId: string, purpose: string): Promise<void> {
    const accessId = randomUUID();
    try {
      await this.publisher.publish(Topics.personalDataAccessed, {
        key: ticketId,
        id: accessId,
        subject: ticketId,
        payload: { accessId, ticketId, actor: user.userId, purpose, at: this.clock.now().toISOString() },
      });
    } catch (error) {
      if (!(error instanceof KafkaPublishError)) throw error;
      throw new ApplicationError(
        ACCESS_NOT_RECORDED,
        503,
        'the read could not be recorded in the audit history: try again',
        undefined,
        {
          'retry-after': '5',
        },
      );
    }
  }
}
