/**
 * Detects requests about getting into the platform (logging in, passwords, SSO, 2FA, locked
 * accounts) in French and English. Matching is case- and accent-insensitive and on word boundaries.
 *
 * Choice: the bare words "access"/"accès" count only when they are not about a feature ("access to
 * the export feature", "accès au module de rapports" are functional questions, not access problems);
 * "access" next to a denial ("no access", "can't access", "access denied", "lost access") always counts.
 */
const POSITIVE: readonly RegExp[] = [
  // English
  /\blog ?in\b/,
  /\blog-in\b/,
  /\blogon\b/,
  /\bsign ?in\b/,
  /\bpasswords?\b/,
  /\blocked out\b/,
  /\block ?out\b/,
  /\baccount (is )?(locked|blocked|disabled|suspended)\b/,
  /\bsso\b/,
  /\bsaml\b/,
  /\b2fa\b/,
  /\bmfa\b/,
  /\btwo[- ]factor\b/,
  /\b(one[- ]time|verification) code\b/,
  /\b(can ?not|can't|cant|unable to|could not|couldn't) (log|sign|get) ?(in|on|into)\b/,
  /\b(can ?not|can't|cant|unable to|could not|couldn't) access\b/,
  /\b(no|lost|lose|losing) access\b/,
  /\baccess (is )?denied\b/,
  /\bauthenticat(e|ion)\b/,
  // French
  /\bconnexion\b/,
  /\b(se|me|te|nous|vous) (re)?connecter\b/,
  /\bconnecter\b/,
  /\bmot de passe\b/,
  /\bmdp\b/,
  /\bidentifiants?\b/,
  /\bauthentification\b/,
  /\bdouble authentification\b/,
  /\bcode de (verification|validation|securite)\b/,
  /\b(compte )?(bloque|bloquee|verrouille|verrouillee|desactive)\b/,
  /\bplus acces\b/,
];

/** Matches where any of POSITIVE matches: one pass over the text for the many that are not about access. */
const ANY_POSITIVE = new RegExp(POSITIVE.map((pattern) => `(?:${pattern.source})`).join('|'));

/** "access"/"accès" alone, then the feature-related phrases that cancel it. */
const BARE_ACCESS = /\bacces?s?\b/;
const FEATURE_ACCESS =
  /\bacces?s? (to|a|au|aux|for|pour) (the |l'|l |la |le |les |my |mon |ma |mes )?(export|exports|feature|features|fonctionnalite|fonctionnalites|module|modules|api|report|reports|rapport|rapports|document|documents|registre|register|template|templates|modele|modeles|dashboard|tableau)\b/g;

export function foldText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .replace(/[’`]/g, "'")
    .replace(/\s+/g, ' ');
}

/** The matched term (for the decision's reason), or null when the text is not about access. */
export function findAccessTerm(...texts: readonly (string | null | undefined)[]): string | null {
  const folded = foldText(texts.filter((text): text is string => typeof text === 'string').join(' \n '));
  if (ANY_POSITIVE.test(folded)) {
    // The term reported is the first of the list that matches, wherever it is in the text.
    for (const pattern of POSITIVE) {
      const match = pattern.exec(folded);
      if (match) return match[0];
    }
  }
  const withoutFeatures = folded.replace(FEATURE_ACCESS, ' ');
  const bare = BARE_ACCESS.exec(withoutFeatures);
  return bare ? bare[0] : null;
}
