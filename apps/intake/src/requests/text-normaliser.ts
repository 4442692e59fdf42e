import { decodeHTMLStrict } from 'entities';
import type { Locale } from '#contracts';

/** Reduces HTML to plain text: scripts and styles dropped, tags removed, entities decoded. */
export function htmlToText(input: string): string {
  if (!/[<&]/.test(input)) return input;
  return (
    input
      .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, '')
      .replace(/<br\s*\/?>/gi, '\n')
      .replace(/<\/(p|div|li|h[1-6]|tr)\s*>/gi, '\n')
      .replace(/<!--[\s\S]*?-->/g, '')
      // Only what looks like a tag: a lone "<" in plain text ("rows < 10") is kept.
      .replace(/<\/?[a-zA-Z][a-zA-Z0-9-]*(\s[^<>]*)?\/?>/g, '')
      .replace(/&(#x[0-9a-f]+|#\d+|[a-z][a-z0-9]*);/gi, (entity: string, body: string) => {
        if (body.startsWith('#x') || body.startsWith('#X'))
          return safeCodePoint(Number.parseInt(body.slice(2), 16)) ?? entity;
        if (body.startsWith('#')) return safeCodePoint(Number.parseInt(body.slice(1), 10)) ?? entity;
        // Named entities are the HTML standard's, with their case (&Euml; is Ë, &euml; is ë); in
        // plain text a non-breaking space is a space.
        const decoded = decodeHTMLStrict(entity);
        return decoded === '\u00a0' ? ' ' : decoded;
      })
  );
}

function safeCodePoint(code: number): string | undefined {
  if (!Number.isInteger(code) || code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined;
  return String.fromCodePoint(code);
}

/** Plain text, no control characters (C0 and C1) but newlines and tabs, trimmed, at most two blank lines in a row. */
export function normaliseText(input: string): string {
  const text = htmlToText(input)
    .normalize('NFC')
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, '');
  return text
    .split('\n')
    .map(withoutTrailingBlanks)
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * The line without its trailing spaces and tabs, in one pass: a regex such as /[ \t]+\n/ retries
 * from every blank of a long run that no newline ends, which is quadratic in the run's length.
 */
function withoutTrailingBlanks(line: string): string {
  let end = line.length;
  while (end > 0) {
    const code = line.charCodeAt(end - 1);
    if (code !== 0x20 && code !== 0x09) break;
    end -= 1;
  }
  return end === line.length ? line : line.slice(0, end);
}

const FRENCH = new Set([
  'le',
  'la',
  'les',
  'je',
  'j',
  'mon',
  'ma',
  'mes',
  'est',
  'pas',
  'une',
  'un',
  'des',
  'du',
  'pour',
  'avec',
  'bonjour',
  'merci',
  'nous',
  'vous',
  'ne',
  'sur',
  'dans',
  'et',
  'ou',
  'accès',
  'connexion',
  'problème',
  'impossible',
  'compte',
  'mot',
  'passe',
  'depuis',
  'ce',
  'cette',
  'qui',
  'que',
]);
const ENGLISH = new Set([
  'the',
  'is',
  'my',
  'i',
  'can',
  'cannot',
  'not',
  'with',
  'for',
  'please',
  'hello',
  'hi',
  'thanks',
  'we',
  'you',
  'on',
  'in',
  'and',
  'or',
  'access',
  'login',
  'account',
  'password',
  'since',
  'this',
  'that',
  'to',
  'of',
  'it',
  'have',
  'has',
]);

/**
 * Guesses French or English from common words (and accents); English when undecided, since French
 * speakers are the likelier to set `locale` explicitly in the French-first apps.
 */
export function inferLocale(...texts: readonly string[]): Locale {
  let french = 0;
  let english = 0;
  for (const word of texts
    .join(' ')
    .toLowerCase()
    .split(/[^\p{L}]+/u)) {
    if (!word) continue;
    if (FRENCH.has(word)) french += 1;
    if (ENGLISH.has(word)) english += 1;
    if (/[éèêëàâçùûôîï]/.test(word)) french += 0.5;
  }
  return french > english ? 'fr' : 'en';
}
