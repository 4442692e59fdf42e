import type { Locale, PhoneDeskAlertPayload, TicketRoutedPayload } from '#contracts';

export interface MessageText {
  readonly subject: string;
  readonly body: string;
}

/** The acknowledgement the support process promises the requester. */
export function requesterAcknowledgement(routed: TicketRoutedPayload, locale: Locale): MessageText {
  if (locale === 'fr') {
    return {
      subject: `Votre demande ${routed.reference} a bien été envoyée`,
      body: `Votre demande a bien été envoyée, l'équipe vous répondra dans les meilleurs délais. Référence : ${routed.reference}.`,
    };
  }
  return {
    subject: `Your request ${routed.reference} has been sent`,
    body: `Your request has been sent, the team will answer as soon as possible. Reference: ${routed.reference}.`,
  };
}

export function psmNotice(routed: TicketRoutedPayload): MessageText {
  return {
    subject: `New chat question ${routed.reference} (${routed.priority})`,
    body: `A chat question from organisation ${routed.orgId ?? 'unknown'} is waiting in the PSM queue. Reference ${routed.reference}, due ${routed.slaDueAt}.`,
  };
}

export function supportNotice(routed: TicketRoutedPayload): MessageText {
  return {
    subject: `${routed.priority} ticket ${routed.reference}`,
    body: `A ${routed.priority} ticket is in the support queue (${routed.ruleId}): ${routed.reason}. Due ${routed.slaDueAt}.`,
  };
}

export function alertNotice(alert: PhoneDeskAlertPayload): MessageText {
  return {
    subject: `URGENT access alert ${alert.reference}`,
    body: `Urgent access problem, ticket ${alert.reference} (${alert.priority}), raised ${alert.raisedAt}. Acknowledge alert ${alert.alertId}.`,
  };
}
