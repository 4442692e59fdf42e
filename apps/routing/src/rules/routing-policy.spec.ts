import { CHANNELS, QUEUES, REQUEST_TYPES, URGENCIES } from '#contracts';
import { loadRuleSet } from '#rules';
import { RoutingPolicy } from './routing-policy.js';
import type { PsmLookup, RoutingInput } from './routing-policy.js';

const psms: PsmLookup = { dedicatedPsm: (orgId) => (orgId === 'org-with-psm' ? 'psm-anna' : undefined) };

// Tuesday 1 December 2026, 10:00 in Paris (CET, UTC+1): desk open.
const OPEN = '2026-12-01T09:00:00.000Z';
// Tuesday 1 December 2026, 20:00 in Paris: desk closed.
const NIGHT = '2026-12-01T19:00:00.000Z';

function input(overrides: Partial<RoutingInput>): RoutingInput {
  return {
    ticketId: 't-1',
    channel: 'email',
    requestType: null,
    urgency: 'normal',
    subject: null,
    message: 'Hello',
    orgId: null,
    ...overrides,
  };
}

interface Case {
  readonly name: string;
  readonly request: Partial<RoutingInput>;
  readonly at?: string;
  readonly ruleId: string;
  readonly queue: 'psm' | 'support';
  readonly priority: 'P1' | 'P2' | 'P3' | 'P4';
  readonly alert?: 'phone-desk' | 'on-call' | null;
  readonly assignee?: string | null;
}

const CASES: readonly Case[] = [
  // urgent-access: access lexicon (FR/EN) or request type, with high/critical urgency or the phone channel
  {
    name: 'FR phone "Connexion impossible"',
    request: { channel: 'phone', message: 'Connexion impossible depuis ce matin' },
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'phone-desk',
  },
  {
    name: 'FR phone "accès" (with accent)',
    request: { channel: 'phone', message: "Je n'ai plus accès à mon compte" },
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'phone-desk',
  },
  {
    name: 'FR phone "acces" (without accent)',
    request: { channel: 'phone', message: 'Pas d acces depuis hier' },
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'phone-desk',
  },
  {
    name: 'FR email high "mot de passe"',
    request: { urgency: 'high', message: 'Mot de passe refusé' },
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'phone-desk',
  },
  {
    name: 'FR email critical "compte bloqué"',
    request: { urgency: 'critical', message: 'Mon compte est bloqué' },
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'phone-desk',
  },
  {
    name: 'FR form high "se connecter"',
    request: {
      channel: 'form',
      requestType: 'other',
      urgency: 'high',
      message: "Impossible de se connecter à l'application",
    },
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'phone-desk',
  },
  {
    name: 'FR upper case "CONNEXION IMPOSSIBLE"',
    request: { channel: 'phone', message: 'CONNEXION IMPOSSIBLE' },
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'phone-desk',
  },
  {
    name: 'FR "double authentification"',
    request: { urgency: 'high', message: 'La double authentification ne fonctionne plus' },
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'phone-desk',
  },
  {
    name: 'FR "identifiants" in the subject',
    request: { urgency: 'high', subject: 'Identifiants refusés', message: 'Merci de regarder' },
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'phone-desk',
  },
  {
    name: 'EN phone "locked out"',
    request: { channel: 'phone', message: 'I am locked out of the platform' },
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'phone-desk',
  },
  {
    name: 'EN high "can\'t log in"',
    request: { urgency: 'high', message: "I can't log in since the update" },
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'phone-desk',
  },
  {
    name: 'EN critical "2FA"',
    request: { urgency: 'critical', message: 'My 2FA codes are rejected' },
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'phone-desk',
  },
  {
    name: 'EN high "SSO"',
    request: { urgency: 'high', message: 'SSO with our identity provider fails' },
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'phone-desk',
  },
  {
    name: 'EN high "password"',
    request: { urgency: 'high', message: 'Password reset link expired' },
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'phone-desk',
  },
  {
    name: 'EN phone "access denied"',
    request: { channel: 'phone', message: 'Access denied on every page' },
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'phone-desk',
  },
  {
    name: 'form access_problem high, no lexicon word',
    request: { channel: 'form', requestType: 'access_problem', urgency: 'high', message: 'Help please' },
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'phone-desk',
  },
  {
    name: 'chat urgent access goes to the phone desk, not the PSM',
    request: { channel: 'chat', urgency: 'critical', message: 'Locked out!' },
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'phone-desk',
  },
  {
    name: 'urgent access at night: on-call',
    request: { channel: 'phone', message: 'Connexion impossible' },
    at: NIGHT,
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'on-call',
  },
  // access problems that are not urgent
  {
    name: 'EN email normal "password" is not urgent',
    request: { message: 'How often should users change their password?' },
    ruleId: 'fallback',
    queue: 'support',
    priority: 'P3',
    alert: null,
  },
  {
    name: 'form access_problem normal: technical P3',
    request: { channel: 'form', requestType: 'access_problem', message: 'Login slow' },
    ruleId: 'technical',
    queue: 'support',
    priority: 'P3',
    alert: null,
  },
  {
    name: 'form access_problem low: technical P3',
    request: { channel: 'form', requestType: 'access_problem', urgency: 'low', message: 'Login page typo' },
    ruleId: 'technical',
    queue: 'support',
    priority: 'P3',
    alert: null,
  },
  // negative lexicon cases: about a feature, not about getting in
  {
    name: 'EN "access to the export feature" high is not access',
    request: { urgency: 'high', message: 'I need access to the export feature' },
    ruleId: 'fallback',
    queue: 'support',
    priority: 'P3',
    alert: null,
  },
  {
    name: 'FR "accès au module" high is not access',
    request: { urgency: 'high', message: "Comment avoir l'accès au module de rapports ?" },
    ruleId: 'fallback',
    queue: 'support',
    priority: 'P3',
    alert: null,
  },
  {
    name: 'EN "accessibility" is not access',
    request: { channel: 'phone', message: 'Is the app accessibility compliant?' },
    ruleId: 'fallback',
    queue: 'support',
    priority: 'P3',
    alert: null,
  },
  {
    name: 'EN "blogging" does not contain "log in"',
    request: { channel: 'phone', message: 'Question about blogging policy' },
    ruleId: 'fallback',
    queue: 'support',
    priority: 'P3',
    alert: null,
  },
  {
    name: 'FR "connecteur" is not "connexion"',
    request: { channel: 'phone', message: 'Le connecteur CRM est lent' },
    ruleId: 'fallback',
    queue: 'support',
    priority: 'P3',
    alert: null,
  },
  {
    name: 'FR "passeport" is not "mot de passe"',
    request: { urgency: 'high', message: 'Faut-il stocker les numéros de passeport ?' },
    ruleId: 'fallback',
    queue: 'support',
    priority: 'P3',
    alert: null,
  },
  // chat-to-psm
  {
    name: 'chat with a dedicated PSM',
    request: { channel: 'chat', orgId: 'org-with-psm', message: 'How do I add a processing activity?' },
    ruleId: 'chat-to-psm',
    queue: 'psm',
    priority: 'P3',
    alert: null,
    assignee: 'psm-anna',
  },
  {
    name: 'chat without a dedicated PSM: pool',
    request: { channel: 'chat', orgId: 'org-alone', message: 'Question RGPD' },
    ruleId: 'chat-to-psm',
    queue: 'psm',
    priority: 'P3',
    alert: null,
    assignee: null,
  },
  {
    name: 'chat without organisation: pool',
    request: { channel: 'chat', message: 'Question' },
    ruleId: 'chat-to-psm',
    queue: 'psm',
    priority: 'P3',
    alert: null,
    assignee: null,
  },
  {
    name: 'chat high: P2',
    request: {
      channel: 'chat',
      urgency: 'high',
      orgId: 'org-with-psm',
      message: 'Audit tomorrow, need help with the register',
    },
    ruleId: 'chat-to-psm',
    queue: 'psm',
    priority: 'P2',
    alert: null,
    assignee: 'psm-anna',
  },
  {
    name: 'chat critical: P2',
    request: { channel: 'chat', urgency: 'critical', message: 'Data breach notification deadline' },
    ruleId: 'chat-to-psm',
    queue: 'psm',
    priority: 'P2',
    alert: null,
  },
  {
    name: 'chat low: P3',
    request: { channel: 'chat', urgency: 'low', message: 'Where is the glossary?' },
    ruleId: 'chat-to-psm',
    queue: 'psm',
    priority: 'P3',
    alert: null,
  },
  {
    name: 'FR chat "accès" normal stays with the PSM',
    request: { channel: 'chat', message: 'Qui a accès aux données ?' },
    ruleId: 'chat-to-psm',
    queue: 'psm',
    priority: 'P3',
    alert: null,
  },
  // critical-bug
  {
    name: 'form critical bug: P1 without alert',
    request: { channel: 'form', requestType: 'bug', urgency: 'critical', message: 'Everything crashes' },
    ruleId: 'critical-bug',
    queue: 'support',
    priority: 'P1',
    alert: null,
  },
  {
    name: 'email critical bug: P1',
    request: { requestType: 'bug', urgency: 'critical', message: 'Plantage complet' },
    ruleId: 'critical-bug',
    queue: 'support',
    priority: 'P1',
    alert: null,
  },
  {
    name: 'phone critical bug at night: no alert',
    request: { channel: 'phone', requestType: 'bug', urgency: 'critical', message: 'Server error 500' },
    at: NIGHT,
    ruleId: 'critical-bug',
    queue: 'support',
    priority: 'P1',
    alert: null,
  },
  // technical
  {
    name: 'form bug normal: P3',
    request: { channel: 'form', requestType: 'bug', message: 'Export button does nothing' },
    ruleId: 'technical',
    queue: 'support',
    priority: 'P3',
  },
  {
    name: 'form bug high: P2',
    request: { channel: 'form', requestType: 'bug', urgency: 'high', message: 'Export fails' },
    ruleId: 'technical',
    queue: 'support',
    priority: 'P2',
  },
  {
    name: 'form bug low: P3',
    request: { channel: 'form', requestType: 'bug', urgency: 'low', message: 'Typo' },
    ruleId: 'technical',
    queue: 'support',
    priority: 'P3',
  },
  {
    name: 'form technical_question normal: P3',
    request: { channel: 'form', requestType: 'technical_question', message: 'Which API version?' },
    ruleId: 'technical',
    queue: 'support',
    priority: 'P3',
  },
  {
    name: 'form technical_question critical: P2',
    request: { channel: 'form', requestType: 'technical_question', urgency: 'critical', message: 'Webhook failing' },
    ruleId: 'technical',
    queue: 'support',
    priority: 'P2',
  },
  {
    name: 'FR form bug high: P2',
    request: { channel: 'form', requestType: 'bug', urgency: 'high', message: "L'export PDF échoue" },
    ruleId: 'technical',
    queue: 'support',
    priority: 'P2',
  },
  // feature-idea
  {
    name: 'form feature request: P4',
    request: { channel: 'form', requestType: 'feature_request', message: 'Please add dark mode' },
    ruleId: 'feature-idea',
    queue: 'support',
    priority: 'P4',
  },
  {
    name: 'form feature request critical: still P4',
    request: { channel: 'form', requestType: 'feature_request', urgency: 'critical', message: 'We need SCIM' },
    ruleId: 'feature-idea',
    queue: 'support',
    priority: 'P4',
  },
  {
    name: 'FR form feature request: P4',
    request: { channel: 'form', requestType: 'feature_request', message: 'Ajouter un export Excel' },
    ruleId: 'feature-idea',
    queue: 'support',
    priority: 'P4',
  },
  // fallback
  {
    name: 'form other: P3',
    request: { channel: 'form', requestType: 'other', message: 'Invoice question' },
    ruleId: 'fallback',
    queue: 'support',
    priority: 'P3',
  },
  {
    name: 'email from someone without an account: P3',
    request: { message: 'Do you offer a DPA template?' },
    ruleId: 'fallback',
    queue: 'support',
    priority: 'P3',
  },
  {
    name: 'FR email: P3',
    request: { message: 'Bonjour, avez-vous un modèle de registre ?' },
    ruleId: 'fallback',
    queue: 'support',
    priority: 'P3',
  },
  {
    name: 'phone without access problem: P3',
    request: { channel: 'phone', message: 'Question about our invoice' },
    ruleId: 'fallback',
    queue: 'support',
    priority: 'P3',
  },
  {
    name: 'email critical, no access word: P3',
    request: { urgency: 'critical', message: 'Urgent question on retention periods' },
    ruleId: 'fallback',
    queue: 'support',
    priority: 'P3',
  },
  // desk-hour boundaries (Paris, winter time, UTC+1)
  {
    name: '08:59 Paris: on-call',
    request: { channel: 'phone', message: 'Locked out' },
    at: '2026-12-01T07:59:00.000Z',
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'on-call',
  },
  {
    name: '09:00 Paris: phone desk',
    request: { channel: 'phone', message: 'Locked out' },
    at: '2026-12-01T08:00:00.000Z',
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'phone-desk',
  },
  {
    name: '17:59 Paris: phone desk',
    request: { channel: 'phone', message: 'Locked out' },
    at: '2026-12-01T16:59:00.000Z',
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'phone-desk',
  },
  {
    name: '18:00 Paris: on-call',
    request: { channel: 'phone', message: 'Locked out' },
    at: '2026-12-01T17:00:00.000Z',
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'on-call',
  },
  // summer time (UTC+2)
  {
    name: '09:00 Paris in June: phone desk',
    request: { channel: 'phone', message: 'Locked out' },
    at: '2026-06-02T07:00:00.000Z',
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'phone-desk',
  },
  {
    name: '08:59 Paris in June: on-call',
    request: { channel: 'phone', message: 'Locked out' },
    at: '2026-06-02T06:59:00.000Z',
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'on-call',
  },
  {
    name: '18:00 Paris in June: on-call',
    request: { channel: 'phone', message: 'Locked out' },
    at: '2026-06-02T16:00:00.000Z',
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'on-call',
  },
  // weekends and public holidays
  {
    name: 'Saturday 10:00: on-call',
    request: { channel: 'phone', message: 'Connexion impossible' },
    at: '2026-12-05T09:00:00.000Z',
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'on-call',
  },
  {
    name: 'Sunday 15:00: on-call',
    request: { channel: 'phone', message: 'Connexion impossible' },
    at: '2026-12-06T14:00:00.000Z',
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'on-call',
  },
  {
    name: 'Christmas (Friday) 10:00: on-call',
    request: { channel: 'phone', message: 'Connexion impossible' },
    at: '2026-12-25T09:00:00.000Z',
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'on-call',
  },
  {
    name: 'Easter Monday 2026 10:00: on-call',
    request: { channel: 'phone', message: 'Connexion impossible' },
    at: '2026-04-06T08:00:00.000Z',
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'on-call',
  },
  {
    name: 'Ascension 2026 10:00: on-call',
    request: { channel: 'phone', message: 'Connexion impossible' },
    at: '2026-05-14T08:00:00.000Z',
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'on-call',
  },
  {
    name: 'Whit Monday 2026 10:00: on-call',
    request: { channel: 'phone', message: 'Connexion impossible' },
    at: '2026-05-25T08:00:00.000Z',
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'on-call',
  },
  {
    name: 'Bastille Day 2026 (Tuesday): on-call',
    request: { channel: 'phone', message: 'Connexion impossible' },
    at: '2026-07-14T08:00:00.000Z',
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'on-call',
  },
  {
    name: 'day after Easter Monday 2026: phone desk',
    request: { channel: 'phone', message: 'Connexion impossible' },
    at: '2026-04-07T08:00:00.000Z',
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'phone-desk',
  },
  {
    name: 'Easter Monday 2027: on-call',
    request: { channel: 'phone', message: 'Connexion impossible' },
    at: '2027-03-29T08:00:00.000Z',
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'on-call',
  },
  // the nights the clocks change
  {
    name: 'spring-forward night 02:30 UTC (04:30 CEST Sunday): on-call',
    request: { channel: 'phone', message: 'Locked out' },
    at: '2026-03-29T02:30:00.000Z',
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'on-call',
  },
  {
    name: 'Monday after spring-forward 09:00 CEST: phone desk',
    request: { channel: 'phone', message: 'Locked out' },
    at: '2026-03-30T07:00:00.000Z',
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'phone-desk',
  },
  {
    name: 'Monday after spring-forward 08:30 CEST: on-call',
    request: { channel: 'phone', message: 'Locked out' },
    at: '2026-03-30T06:30:00.000Z',
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'on-call',
  },
  {
    name: 'fall-back night 01:30 UTC (02:30 CET Sunday): on-call',
    request: { channel: 'phone', message: 'Locked out' },
    at: '2026-10-25T01:30:00.000Z',
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'on-call',
  },
  {
    name: 'Monday after fall-back 09:00 CET: phone desk',
    request: { channel: 'phone', message: 'Locked out' },
    at: '2026-10-26T08:00:00.000Z',
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'phone-desk',
  },
  {
    name: 'Monday after fall-back 17:30 CET: phone desk',
    request: { channel: 'phone', message: 'Locked out' },
    at: '2026-10-26T16:30:00.000Z',
    ruleId: 'urgent-access',
    queue: 'support',
    priority: 'P1',
    alert: 'phone-desk',
  },
];

describe(RoutingPolicy.name, () => {
  const sut = new RoutingPolicy(loadRuleSet());

  it(`has at least 60 table cases`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
  });

  it.each(CASES)('$name -> $ruleId', (testCase) => {
    const decision = sut.decide(input(testCase.request), new Date(testCase.at ?? OPEN), psms);

    expect(decision.ruleId).toBe(testCase.ruleId);
    expect(decision.queue).toBe(testCase.queue);
    expect(decision.priority).toBe(testCase.priority);
    if (testCase.alert !== undefined)
      expect(decision.alert).toEqual(testCase.alert === null ? null : { target: testCase.alert });
    if (testCase.assignee !== undefined) expect(decision.assignee).toBe(testCase.assignee);
    expect(decision.ruleSetVersion).toBe(sut.ruleSet.version);
    expect(decision.reason).not.toMatch(/\{\w+\}/);
  });

  it('explains a pool assignment in the reason', () => {
    const decision = sut.decide(input({ channel: 'chat', orgId: 'org-alone' }), new Date(OPEN), psms);

    expect(decision.reason).toContain('organisation org-alone has no dedicated PSM');
  });

  it.each([
    {
      name: 'P1: 30 calendar minutes',
      priority: 'P1' as const,
      from: '2026-12-01T09:00:00.000Z',
      due: '2026-12-01T09:30:00.000Z',
    },
    {
      name: 'P1 across the spring-forward night',
      priority: 'P1' as const,
      from: '2026-03-29T00:45:00.000Z',
      due: '2026-03-29T01:15:00.000Z',
    },
    {
      name: 'P2: 4 calendar hours, even at night',
      priority: 'P2' as const,
      from: '2026-12-05T22:00:00.000Z',
      due: '2026-12-06T02:00:00.000Z',
    },
    {
      name: 'P3 Tuesday 10:00: Wednesday 10:00',
      priority: 'P3' as const,
      from: '2026-12-01T09:00:00.000Z',
      due: '2026-12-02T09:00:00.000Z',
    },
    {
      name: 'P3 on Saturday: Monday 18:00',
      priority: 'P3' as const,
      from: '2026-12-05T09:00:00.000Z',
      due: '2026-12-07T17:00:00.000Z',
    },
    {
      name: 'P3 Friday 17:00 before spring-forward: Monday 17:00 CEST',
      priority: 'P3' as const,
      from: '2026-03-27T16:00:00.000Z',
      due: '2026-03-30T15:00:00.000Z',
    },
    {
      name: 'P3 Friday 17:00 before fall-back: Monday 17:00 CET',
      priority: 'P3' as const,
      from: '2026-10-23T15:00:00.000Z',
      due: '2026-10-26T16:00:00.000Z',
    },
    {
      name: 'P3 Christmas Eve 17:00: skips Christmas and the weekend',
      priority: 'P3' as const,
      from: '2026-12-24T16:00:00.000Z',
      due: '2026-12-28T16:00:00.000Z',
    },
    {
      name: 'P3 at 07:00 before opening: same day 18:00',
      priority: 'P3' as const,
      from: '2026-12-01T06:00:00.000Z',
      due: '2026-12-01T17:00:00.000Z',
    },
    {
      name: 'P4 Monday 10:00: next Monday 10:00',
      priority: 'P4' as const,
      from: '2026-11-30T09:00:00.000Z',
      due: '2026-12-07T09:00:00.000Z',
    },
  ])('SLA $name', ({ priority, from, due }) => {
    expect(sut.slaDueAt(priority, new Date(from)).toISOString()).toBe(due);
  });
});

describe('every valid request gets exactly one decision naming an existing queue', () => {
  const sut = new RoutingPolicy(loadRuleSet());
  const someWithPsm = { dedicatedPsm: (orgId: string) => (orgId.endsWith('1') ? 'psm-1' : undefined) };
  const texts = [
    'Connexion impossible',
    'locked out',
    'access to the export feature',
    'Question',
    'mot de passe',
    'hello',
    '',
  ];
  const requestTypes = [null, ...REQUEST_TYPES];
  const instants = [
    '2026-12-01T09:00:00Z',
    '2026-12-05T09:00:00Z',
    '2026-03-29T01:30:00Z',
    '2026-10-25T01:30:00Z',
    '2026-12-25T12:00:00Z',
  ];

  it('holds over the whole cross product of channels, types, urgencies, texts, organisations and instants', () => {
    let decisions = 0;
    for (const channel of CHANNELS)
      for (const requestType of requestTypes)
        for (const urgency of URGENCIES)
          for (const message of texts)
            for (const orgId of [null, 'org-1', 'org-2'])
              for (const at of instants) {
                const decision = sut.decide(
                  { ticketId: 't', channel, requestType, urgency, subject: null, message: message || 'x', orgId },
                  new Date(at),
                  someWithPsm,
                );
                expect(QUEUES).toContain(decision.queue);
                expect(sut.ruleSet.rules.filter((rule) => rule.id === decision.ruleId)).toHaveLength(1);
                expect(Number.isNaN(Date.parse(decision.slaDueAt))).toBe(false);
                expect(Date.parse(decision.slaDueAt)).toBeGreaterThan(Date.parse(at));
                decisions += 1;
              }
    expect(decisions).toBe(
      CHANNELS.length * requestTypes.length * URGENCIES.length * texts.length * 3 * instants.length,
    );
  });
});
