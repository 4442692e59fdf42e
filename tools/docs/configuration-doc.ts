import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import ts from 'typescript';
import { developmentDefaultOf } from '#platform';
import { DeskConfig } from '../../apps/desk/src/desk.config.js';
import { HistoryConfig } from '../../apps/history/src/history.config.js';
import { IntakeConfig } from '../../apps/intake/src/intake.config.js';
import { NotificationConfig } from '../../apps/notification/src/notification.config.js';
import { RoutingConfig } from '../../apps/routing/src/routing.config.js';

/**
 * docs/configuration.md is written from the config classes themselves: each setting's name,
 * default and development default come from an instance, its meaning from the property's doc
 * comment. A unit test renders it again and fails when the file is stale or a setting has no comment.
 */
export const CONFIGURATION_DOC = 'docs/configuration.md';

const SERVICES = [
  { name: 'intake', type: IntakeConfig },
  { name: 'routing', type: RoutingConfig },
  { name: 'notification', type: NotificationConfig },
  { name: 'history', type: HistoryConfig },
  { name: 'desk', type: DeskConfig },
] as const;

/** Where the config classes are declared, base classes first: the first comment of a setting is its meaning. */
const SOURCES = [
  'libs/platform/src/service.config.ts',
  'apps/intake/src/intake.config.ts',
  'apps/routing/src/routing.config.ts',
  'apps/notification/src/notification.config.ts',
  'apps/history/src/history.config.ts',
  'apps/desk/src/desk.config.ts',
];

export interface Setting {
  readonly name: string;
  /** Service name -> default, for the services that read the setting. */
  readonly defaults: ReadonlyMap<string, unknown>;
  readonly developmentDefault: string | number | boolean | undefined;
  readonly meaning: string;
}

/** Every setting's doc comment, by name, from the config classes' source. */
export function settingComments(root: string): Map<string, string> {
  const comments = new Map<string, string>();
  for (const file of SOURCES) {
    const source = ts.createSourceFile(file, readFileSync(join(root, file), 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyDeclaration(node) && ts.isIdentifier(node.name) && /^[A-Z][A-Z0-9_]*$/.test(node.name.text)) {
        const text = ts
          .getJSDocCommentsAndTags(node)
          .filter(ts.isJSDoc)
          .map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? '')
          .join(' ')
          .replace(/\s+/g, ' ')
          .trim();
        if (text !== '' && !comments.has(node.name.text)) comments.set(node.name.text, text);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return comments;
}

export function settings(root: string): Setting[] {
  const comments = settingComments(root);
  const byName = new Map<
    string,
    { defaults: Map<string, unknown>; developmentDefault: string | number | boolean | undefined }
  >();
  for (const service of SERVICES) {
    const instance = new service.type();
    for (const [name, value] of Object.entries(instance)) {
      const entry = byName.get(name) ?? { defaults: new Map<string, unknown>(), developmentDefault: undefined };
      entry.defaults.set(service.name, value);
      entry.developmentDefault ??= developmentDefaultOf(instance, name);
      byName.set(name, entry);
    }
  }
  return [...byName.entries()].map(([name, entry]) => ({
    name,
    defaults: entry.defaults,
    developmentDefault: entry.developmentDefault,
    meaning: comments.get(name) ?? '',
  }));
}

function shown(value: unknown): string {
  if (value === '') return '(empty)';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return `\`${text.replace(/\|/g, '\\|')}\``;
}

function servicesOf(setting: Setting): string {
  return setting.defaults.size === SERVICES.length ? 'all' : [...setting.defaults.keys()].join(', ');
}

/** One default, or the most common one and the services that differ. */
function defaultOf(setting: Setting): string {
  const counts = new Map<string, number>();
  for (const value of setting.defaults.values()) counts.set(shown(value), (counts.get(shown(value)) ?? 0) + 1);
  const common = [...counts.entries()].sort((left, right) => right[1] - left[1])[0]?.[0] ?? '';
  const others = [...setting.defaults.entries()]
    .filter(([, value]) => shown(value) !== common)
    .map(([service, value]) => `${service} ${shown(value)}`);
  return others.length === 0 ? common : `${common}; ${others.join(', ')}`;
}

function developmentOf(setting: Setting): string {
  if (setting.developmentDefault === undefined) return '';
  const value = String(setting.developmentDefault);
  // Long values (key lists, keys) are named, not printed: libs/platform/src/development.ts has them.
  return value.length > 40 ? 'a development value' : shown(value);
}

export function renderConfigurationDoc(root: string): string {
  const rows = settings(root).map(
    (setting) =>
      `| \`${setting.name}\` | ${servicesOf(setting)} | ${defaultOf(setting)} | ${developmentOf(setting)} | ${setting.meaning.replace(/\|/g, '\\|')} |`,
  );
  return [
    '# Configuration',
    '',
    '<!-- Generated from the config classes by `npm run docs:config`; a unit test fails when this file is stale. -->',
    '',
    'Every service reads its settings from environment variables at start-up, validates them all and',
    'refuses to start with one line naming every problem (exit code 1). `NODE_ENV` must be set:',
    '`development` applies the development defaults below (public values, refused in production);',
    'any other value is production. Empty counts as unset.',
    '',
    '| variable | services | default | development default | meaning |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    'The tools (`npm start`, `npm test`, the benchmarks) have settings of their own: see',
    '[operations](operations.md#tools).',
    '',
  ].join('\n');
}

/** The document as the repository keeps it: rendered, then formatted like every other file. */
export async function configurationDoc(root: string): Promise<string> {
  const path = join(root, CONFIGURATION_DOC);
  const options = (await resolveConfig(path)) ?? {};
  return format(renderConfigurationDoc(root), { ...options, filepath: path });
}
