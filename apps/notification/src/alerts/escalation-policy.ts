export interface EscalationPolicy {
  /** How long an alert may wait for an acknowledgement before (each) escalation. */
  readonly ackTimeoutMs: number;
  /** Escalations to on-call after which the alert simply stays open. */
  readonly maxEscalations: number;
}

export interface EscalationStep {
  readonly level: number;
  /** When the next escalation is due, or null after the last one. */
  readonly nextEscalationAt: Date | null;
}

/** The first deadline of a newly recorded alert (null when escalation is switched off). */
export function firstEscalationAt(recordedAt: Date, policy: EscalationPolicy): Date | null {
  return policy.maxEscalations > 0 ? new Date(recordedAt.getTime() + policy.ackTimeoutMs) : null;
}

/** The escalation due now for an alert at `currentLevel`; each one opens a new full timeout. */
export function escalationStep(currentLevel: number, now: Date, policy: EscalationPolicy): EscalationStep {
  const level = currentLevel + 1;
  return {
    level,
    nextEscalationAt: level < policy.maxEscalations ? new Date(now.getTime() + policy.ackTimeoutMs) : null,
  };
}
