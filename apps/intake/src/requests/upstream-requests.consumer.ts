import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Topics } from '#contracts';
import type { KafkaEvent } from '#kafka';
import { UpstreamRequestService } from './upstream-request.service.js';

/** `support.requests.v1`, in batches: raw values, because invalid JSON is a rejection, not a dead letter. */
@Controller()
export class UpstreamRequestsConsumer {
  constructor(private readonly upstream: UpstreamRequestService) {}

  @EventPattern(Topics.requests, { rawValue: true, batch: true })
  async onRequests(@Payload() events: KafkaEvent<string | null>[]): Promise<void> {
    await this.upstream.handle(events);
  }
}
