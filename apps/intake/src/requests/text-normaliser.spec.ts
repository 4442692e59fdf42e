import { htmlToText, inferLocale, normaliseText } from './text-normaliser.js';

describe(htmlToText.name, () => {
  it('returns text without markup or entities unchanged', () => {
    const text = 'Plain text, 3 > 2 and "quotes"\nsecond line';

    const sut = htmlToText(text);

    expect(sut).toBe(text);
  });

  test.each([
    { name: 'a script with its content', input: 'Hello<script>alert("x")</script> world', expected: 'Hello world' },
    { name: 'a style with its content', input: '<style>.a { color: red }</style>Body', expected: 'Body' },
    {
      name: 'an upper-case script with attributes',
      input: 'A<SCRIPT type="text/javascript">var a = 1 < 2;</SCRIPT >B',
      expected: 'AB',
    },
    { name: 'a multi-line script', input: 'A<script>\nline1\nline2\n</script>B', expected: 'AB' },
    {
      name: 'two scripts, keeping the text between them',
      input: '<script>one</script>keep<script>two</script>',
      expected: 'keep',
    },
  ])('removes $name', ({ input, expected }) => {
    const sut = htmlToText(input);

    expect(sut).toBe(expected);
  });

  test.each([
    {
      name: 'inline tags',
      input: 'Some <b>bold</b> and <a href="https://example.org">a link</a>',
      expected: 'Some bold and a link',
    },
    {
      name: 'tags with attributes and self-closing tags',
      input: '<img src="x.png" alt="x"/>text<hr />',
      expected: 'text',
    },
    { name: 'comments', input: 'a<!-- hidden -->b', expected: 'ab' },
  ])('removes $name', ({ input, expected }) => {
    const sut = htmlToText(input);

    expect(sut).toBe(expected);
  });

  test.each([
    { name: '<br>', input: 'one<br>two', expected: 'one\ntwo' },
    { name: '<br/>', input: 'one<br/>two', expected: 'one\ntwo' },
    { name: '<BR />', input: 'one<BR />two', expected: 'one\ntwo' },
    { name: '</p>', input: '<p>one</p><p>two</p>', expected: 'one\ntwo\n' },
    { name: '</div>', input: '<div>one</div>two', expected: 'one\ntwo' },
    { name: '</li>', input: '<ul><li>one</li><li>two</li></ul>', expected: 'one\ntwo\n' },
    { name: '</h2>', input: '<h2>Title</h2>Body', expected: 'Title\nBody' },
    { name: '</tr>', input: '<table><tr><td>a</td></tr><tr><td>b</td></tr></table>', expected: 'a\nb\n' },
  ])('turns $name into a newline', ({ input, expected }) => {
    const sut = htmlToText(input);

    expect(sut).toBe(expected);
  });

  test.each([
    { entity: '&amp;', expected: '&' },
    { entity: '&lt;', expected: '<' },
    { entity: '&gt;', expected: '>' },
    { entity: '&quot;', expected: '"' },
    { entity: '&apos;', expected: "'" },
    { entity: '&nbsp;', expected: ' ' },
    { entity: '&AMP;', expected: '&' },
    { entity: '&#233;', expected: 'é' },
    { entity: '&#65;', expected: 'A' },
    { entity: '&#xE9;', expected: 'é' },
    { entity: '&#xe9;', expected: 'é' },
    { entity: '&#X41;', expected: 'A' },
    { entity: '&#x1F600;', expected: '😀' },
    { entity: '&#128512;', expected: '😀' },
  ])('decodes $entity', ({ entity, expected }) => {
    const sut = htmlToText(`[${entity}]`);

    expect(sut).toBe(`[${expected}]`);
  });

  test.each([
    { name: 'code point zero', entity: '&#0;' },
    { name: 'hex code point zero', entity: '&#x0;' },
    { name: 'a lone surrogate', entity: '&#xD800;' },
    { name: 'a decimal surrogate', entity: '&#57343;' },
    { name: 'a code point above U+10FFFF', entity: '&#x110000;' },
    { name: 'a huge decimal code point', entity: '&#99999999999;' },
    { name: 'an unknown named entity', entity: '&bogus;' },
  ])('leaves $name as is', ({ entity }) => {
    const sut = htmlToText(`a${entity}b`);

    expect(sut).toBe(`a${entity}b`);
  });

  it('decodes entities once only (no double decoding)', () => {
    const sut = htmlToText('&amp;lt;script&amp;gt;');

    expect(sut).toBe('&lt;script&gt;');
  });

  it('decodes entities after removing tags, so escaped markup stays text', () => {
    const sut = htmlToText('<p>Use &lt;b&gt; for bold</p>');

    expect(sut).toBe('Use <b> for bold\n');
  });
});

describe(normaliseText.name, () => {
  test.each([
    { name: 'NUL, BEL and unit separator', input: 'a\u0000b\u0007c\u001fd', expected: 'abcd' },
    { name: 'DEL', input: 'a\u007fb', expected: 'ab' },
    { name: 'vertical tab and form feed', input: 'a\u000bb\u000cc', expected: 'abc' },
    { name: 'backspace and escape', input: 'a\u0008b\u001b[31mc', expected: 'ab[31mc' },
    { name: 'a control character written as an entity', input: 'a&#7;b', expected: 'ab' },
  ])('removes control characters: $name', ({ input, expected }) => {
    const sut = normaliseText(input);

    expect(sut).toBe(expected);
  });

  it('keeps tabs and single newlines', () => {
    const sut = normaliseText('a\tb\nc');

    expect(sut).toBe('a\tb\nc');
  });

  test.each([
    { name: 'CRLF', input: 'a\r\nb', expected: 'a\nb' },
    { name: 'a lone CR', input: 'a\rb', expected: 'a\nb' },
    { name: 'CRLF pairs that make three blank lines', input: 'a\r\n\r\n\r\n\r\nb', expected: 'a\n\nb' },
  ])('turns $name into newlines', ({ input, expected }) => {
    const sut = normaliseText(input);

    expect(sut).toBe(expected);
  });

  test.each([
    { name: 'leading and trailing whitespace', input: '  \n\t hello \n ', expected: 'hello' },
    { name: 'spaces and tabs before a newline', input: 'a  \t\nb', expected: 'a\nb' },
    { name: 'whitespace left by removed markup', input: '<p> Hello </p>\n', expected: 'Hello' },
  ])('trims $name', ({ input, expected }) => {
    const sut = normaliseText(input);

    expect(sut).toBe(expected);
  });

  test.each([
    { name: 'three newlines', input: 'a\n\n\nb', expected: 'a\n\nb' },
    { name: 'ten newlines', input: `a${'\n'.repeat(10)}b`, expected: 'a\n\nb' },
    { name: 'blank lines holding only spaces', input: 'a\n  \n \t \n\nb', expected: 'a\n\nb' },
    { name: 'blank lines holding only control characters', input: 'a\n\u0000\n\u0007\nb', expected: 'a\n\nb' },
    { name: 'paragraphs and breaks', input: '<p>One</p><br><br><br><p>Two</p>', expected: 'One\n\nTwo' },
  ])('collapses $name to at most two', ({ input, expected }) => {
    const sut = normaliseText(input);

    expect(sut).toBe(expected);
  });

  it('keeps exactly two newlines (one blank line) as they are', () => {
    const sut = normaliseText('a\n\nb');

    expect(sut).toBe('a\n\nb');
  });

  it('composes to NFC, so the same word compares equal however it was typed', () => {
    const decomposed = 'acce\u0300s';

    const sut = normaliseText(decomposed);

    expect(sut).toBe('accès');
    expect(sut).toHaveLength(5);
  });

  it('reduces an HTML email to its text', () => {
    const html =
      '<html><head><style>p{margin:0}</style></head><body><p>Bonjour,</p><p>Je n&apos;ai plus acc&#232;s&nbsp;!</p><script>track()</script></body></html>';

    const sut = normaliseText(html);

    expect(sut).toBe("Bonjour,\nJe n'ai plus accès !");
  });

  it('gives an empty string for markup without text', () => {
    const sut = normaliseText('<div><br/></div><script>x</script>');

    expect(sut).toBe('');
  });
});

describe(inferLocale.name, () => {
  test.each([
    'Bonjour, je ne peux plus me connecter à mon compte.',
    'Connexion impossible depuis ce matin',
    "J'ai un problème avec l'export du registre",
    'Mot de passe refusé',
    'Merci de regarder le tableau de bord',
    'Nous avons une question sur la sous-traitance',
    'Le rapport est vide pour cette période',
    'Où trouver les modèles de clauses ?',
    'CONNEXION IMPOSSIBLE',
    'Mise à jour bloquée',
  ])('recognises French: %s', (text) => {
    const sut = inferLocale(text);

    expect(sut).toBe('fr');
  });

  test.each([
    'Hello, I cannot log in to my account.',
    'The export is empty since this morning',
    'Please reset my password',
    'We have a question about the DPA',
    'Thanks for the quick answer',
    'My dashboard shows nothing',
    'Is it possible to add a user to this workspace?',
    'Access denied on every page',
    'HELLO, THE LOGIN IS BROKEN',
    'Export fails',
  ])('recognises English: %s', (text) => {
    const sut = inferLocale(text);

    expect(sut).toBe('en');
  });

  test.each([
    { name: 'one accented word', text: 'Réinitialisé' },
    { name: 'accented words only', text: 'Échec, réessayé, bloqué' },
    { name: 'a cedilla', text: 'reçu' },
    { name: 'a circumflex', text: 'tâche' },
  ])('counts accents as a French hint: $name', ({ text }) => {
    const sut = inferLocale(text);

    expect(sut).toBe('fr');
  });

  test.each([
    { name: 'no text', texts: [''] },
    { name: 'no argument', texts: [] },
    { name: 'no words at all', texts: ['123 !!! 456'] },
    { name: 'one French and one English word', texts: ['le the'] },
    { name: 'words neither language lists', texts: ['SSO SAML OIDC'] },
  ])('falls back to English on a tie: $name', ({ texts }) => {
    const sut = inferLocale(...texts);

    expect(sut).toBe('en');
  });

  it('weighs an accent as half a word: one accented word does not outweigh one English word', () => {
    const sut = inferLocale('café the');

    expect(sut).toBe('en');
    expect(inferLocale('café réglé the')).toBe('en');
    expect(inferLocale('café réglé élevé the')).toBe('fr');
  });

  it('weighs every text given (subject and message together)', () => {
    const subject = 'Export';
    const message = 'Bonjour, le fichier est vide';

    const sut = inferLocale(subject, message);

    expect(sut).toBe('fr');
    expect(inferLocale(subject, 'Hello, the file is empty')).toBe('en');
  });

  it('goes with the majority in a mixed text', () => {
    const sut = inferLocale('Bonjour, I cannot access my account since this morning');

    expect(sut).toBe('en');
  });
});

describe('text normalisation corner cases', () => {
  it('keeps a less-than sign that does not open a tag', () => {
    expect(htmlToText('Export fails when rows < 10 & cols > 5')).toBe('Export fails when rows < 10 & cols > 5');
  });

  it('removes C1 control characters', () => {
    expect(normaliseText('a\u0085b\u009b31mc')).toBe('ab31mc');
    expect(normaliseText('x&#155;y')).toBe('xy');
  });

  it('decodes common French named entities', () => {
    expect(htmlToText('acc&egrave;s refus&eacute; &agrave; &ccedil;a')).toBe('accès refusé à ça');
  });
});

describe('text normalisation of hostile input', () => {
  it('decodes named entities with their case, as HTML does (&Euml; is Ë, not ë)', () => {
    expect(htmlToText('NO&Euml;L &Icirc;LE &Uuml;ber &AElig; &frac12; &euml;')).toBe('NOËL ÎLE Über Æ ½ ë');
  });

  it('trims a long run of blanks that no newline ends in linear time', () => {
    const time = (length: number): number => {
      const input = `a${' \t'.repeat(length / 2)}b`;
      const started = performance.now();
      for (let round = 0; round < 5; round += 1) normaliseText(input);
      return performance.now() - started;
    };
    time(1_000);
    const small = time(5_000);
    const large = time(40_000);

    // Quadratic would be 64 times slower for 8 times the length; linear about 8 (noise allowed).
    expect(large).toBeLessThan(Math.max(small, 1) * 24);
    expect(normaliseText(`x  \t \ny${' '.repeat(10_000)}`)).toBe('x\ny');
  });
});
