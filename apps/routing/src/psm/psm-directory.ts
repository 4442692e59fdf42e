import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { PsmAssignmentPayload, Topics, validatePayload } from '#contracts';
import { CompactedTopicReader } from '#kafka';
import { KAFKA_CLIENT } from '#platform';
import type { Kafka } from 'kafkajs';
import type { PsmLookup } from '../rules/routing-policy.js';

/**
 * Organisation -> dedicated PSM, built from the compacted `support.psm-assignments.v1`: fully
 * re-read at start-up, then kept current; a null value removes the assignment.
 */
@Injectable()
export class PsmDirectory implements PsmLookup, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PsmDirectory.name);
  private readonly assignments = new Map<string, { readonly psmId: string; readonly backupPsmId: string | null }>();
  private readonly reader: CompactedTopicReader;

  constructor(@Inject(KAFKA_CLIENT) kafka: Kafka) {
    this.reader = new CompactedTopicReader(kafka, Topics.psmAssignments, 'support-routing-psm', (key, value) =>
      this.apply(key, value),
    );
  }

  async onModuleInit(): Promise<void> {
    await this.reader.start();
    this.logger.log(`PSM directory loaded: ${this.assignments.size} organisation(s) with a dedicated PSM`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.reader.stop();
  }

  dedicatedPsm(orgId: string): string | undefined {
    return this.assignments.get(orgId)?.psmId;
  }

  /** Who takes the organisation's chats while the dedicated PSM is away or offline. */
  backupPsm(orgId: string): string | null {
    return this.assignments.get(orgId)?.backupPsmId ?? null;
  }

  get size(): number {
    return this.assignments.size;
  }

  apply(orgId: string, value: unknown): void {
    if (value === null) {
      this.assignments.delete(orgId);
      return;
    }
    const result = validatePayload(PsmAssignmentPayload, value);
    if (!result.ok || result.value.orgId !== orgId) {
      this.logger.warn(`ignored an invalid PSM assignment (key and payload orgId must match; psmId required)`);
      return;
    }
    this.assignments.set(orgId, { psmId: result.value.psmId, backupPsmId: result.value.backupPsmId ?? null });
  }
}
