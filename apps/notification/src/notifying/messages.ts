import type { Locale, PhoneDeskAlertPayload, TicketRoutedPayload } from '#contracts';

export interface MessageText {
  readonly subject: string;
  readonly body: string;
}

/**
 * Short, plain messages that carry the ticket reference and what the reader needs to act, nothing
 * more: no requester name, address or request text ever appears in a notification.
 */
export function requesterAcknowledgement(routed: Pick<TicketRoutedPayload, 'reference'>, locale: Locale): MessageText {
  if (locale === 'fr') {
    return {
      subject: `[${routed.reference}] Votre demande a bien été envoyée`,
      body: `Votre demande a bien été envoyée, l'équipe vous répondra dans les meilleurs délais. Référence : ${routed.reference}.`,
    };
  }
  return {
    subject: `[${routed.reference}] Your request has been sent`,
    body: `Your request has been sent, the team will answer as soon as possible. Reference: ${routed.reference}.`,
  };
}

export function psmNotice(routed: TicketRoutedPayload, locale: Locale = 'en'): MessageText {
  const org = routed.orgId ?? (locale === 'fr' ? 'inconnue' : 'unknown');
  if (locale === 'fr') {
    return {
      subject: `Nouvelle question chat ${routed.reference} (${routed.priority})`,
      body: `Une question chat de l'organisation ${org} attend dans la file PSM. Référence ${routed.reference}, échéance ${routed.slaDueAt}.`,
    };
  }
  return {
    subject: `New chat question ${routed.reference} (${routed.priority})`,
    body: `A chat question from organisation ${org} is waiting in the PSM queue. Reference ${routed.reference}, due ${routed.slaDueAt}.`,
  };
}

export function supportNotice(routed: TicketRoutedPayload, locale: Locale = 'en'): MessageText {
  if (locale === 'fr') {
    return {
      subject: `Ticket ${routed.priority} ${routed.reference}`,
      body: `Un ticket ${routed.priority} est dans la file support (${routed.ruleId}) : ${routed.reason}. Échéance ${routed.slaDueAt}.`,
    };
  }
  return {
    subject: `${routed.priority} ticket ${routed.reference}`,
    body: `A ${routed.priority} ticket is in the support queue (${routed.ruleId}): ${routed.reason}. Due ${routed.slaDueAt}.`,
  };
}

export function alertNotice(
  alert: Pick<PhoneDeskAlertPayload, 'alertId' | 'reference' | 'priority' | 'raisedAt'>,
  locale: Locale = 'en',
): MessageText {
  if (locale === 'fr') {
    return {
      subject: `URGENT alerte d'accès ${alert.reference}`,
      body: `Problème d'accès urgent, ticket ${alert.reference} (${alert.priority}), levé ${alert.raisedAt}. Acquittez l'alerte ${alert.alertId}.`,
    };
  }
  return {
    subject: `URGENT access alert ${alert.reference}`,
    body: `Urgent access problem, ticket ${alert.reference} (${alert.priority}), raised ${alert.raisedAt}. Acknowledge alert ${alert.alertId}.`,
  };
}

export interface EscalationFacts {
  readonly alertId: string;
  readonly reference: string;
  readonly priority: string;
  readonly raisedAt: string;
  readonly level: number;
  readonly maxLevel: number;
}

export function escalationNotice(facts: EscalationFacts, locale: Locale = 'en'): MessageText {
  if (locale === 'fr') {
    return {
      subject: `URGENT escalade ${facts.level}/${facts.maxLevel} alerte d'accès ${facts.reference}`,
      body: `Alerte non acquittée : problème d'accès urgent, ticket ${facts.reference} (${facts.priority}), levé ${facts.raisedAt}. Acquittez l'alerte ${facts.alertId}.`,
    };
  }
  return {
    subject: `URGENT escalation ${facts.level}/${facts.maxLevel} access alert ${facts.reference}`,
    body: `Unacknowledged alert: urgent access problem, ticket ${facts.reference} (${facts.priority}), raised ${facts.raisedAt}. Acknowledge alert ${facts.alertId}.`,
  };
}

/**
 * An agent's public reply, for the requester. By email the subject carries `[SR-...]` (the
 * requester's answer to it then joins the ticket) and the text says so; the chat backend shows the
 * reply as it was written.
 */
export function requesterReply(
  reply: { readonly reference: string; readonly text: string },
  locale: Locale,
  by: 'email' | 'chat',
): MessageText {
  const { reference, text } = reply;
  if (locale === 'fr') {
    return {
      subject: `[${reference}] Réponse à votre demande`,
      body:
        by === 'chat'
          ? text
          : `${text}\n\n--\nRéférence : ${reference}. Pour nous répondre, répondez à ce message en gardant [${reference}] dans l'objet.`,
    };
  }
  return {
    subject: `[${reference}] Reply to your request`,
    body:
      by === 'chat'
        ? text
        : `${text}\n\n--\nReference: ${reference}. To answer us, reply to this email and keep [${reference}] in the subject.`,
  };
}

/** The requester wrote again: the assignee (or the queue's team) hears of it, without the text. */
export function followUpNotice(reference: string, locale: Locale = 'en'): MessageText {
  if (locale === 'fr') {
    return {
      subject: `Relance sur le ticket ${reference}`,
      body: `Le demandeur a écrit de nouveau sur le ticket ${reference} (relance) : le ticket est ouvert et attend une réponse.`,
    };
  }
  return {
    subject: `Follow-up on ticket ${reference}`,
    body: `The requester wrote again on ticket ${reference} (follow-up): the ticket is open and waits for an answer.`,
  };
}
