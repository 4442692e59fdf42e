import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { AgentStatus, Locale, Queue } from '#contracts';

/** An agent's presence, as they or a workforce tool last set it (`support.agents.v1`). */
@Entity({ schema: 'desk', name: 'agents' })
export class DeskAgent {
  @PrimaryColumn({ name: 'agent_id', type: 'text' }) agentId!: string;
  @Column({ type: 'text' }) status!: AgentStatus;
  @Column({ type: 'text', array: true }) queues!: Queue[];
  /** Null: the rule set's default capacity. */
  @Column({ type: 'integer', nullable: true }) capacity!: number | null;
  /** Null: no languages given. */
  @Column({ type: 'text', array: true, nullable: true }) locales!: Locale[] | null;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
  @Column({ name: 'last_assigned_at', type: 'timestamptz', nullable: true }) lastAssignedAt!: Date | null;
}

/** An organisation's dedicated PSM and their backup (`support.psm-assignments.v1`). */
@Entity({ schema: 'desk', name: 'psm_assignments' })
export class DeskPsmAssignment {
  @PrimaryColumn({ name: 'org_id', type: 'text' }) orgId!: string;
  @Column({ name: 'psm_id', type: 'text' }) psmId!: string;
  @Column({ name: 'backup_psm_id', type: 'text', nullable: true }) backupPsmId!: string | null;
}
