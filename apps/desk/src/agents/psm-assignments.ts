import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { PsmAssignmentPayload } from '#contracts';
import { DeskPsmAssignment } from './desk-agent.entity.js';

/** Organisations' dedicated and backup PSMs, from the compacted `support.psm-assignments.v1`. */
@Injectable()
export class PsmAssignments {
  constructor(private readonly dataSource: DataSource) {}

  async apply(
    records: readonly { readonly orgId: string; readonly assignment: PsmAssignmentPayload | null }[],
  ): Promise<void> {
    if (records.length === 0) return;
    await this.dataSource.transaction(async (manager) => {
      const repository = manager.getRepository(DeskPsmAssignment);
      for (const { orgId, assignment } of records) {
        if (assignment === null || assignment.orgId !== orgId) await repository.delete({ orgId });
        else await repository.save({ orgId, psmId: assignment.psmId, backupPsmId: assignment.backupPsmId ?? null });
      }
    });
  }
}
