import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { parseJson } from '#contracts';
import { RuleSetError, parseRuleSet } from './rule-set.js';
import type { RuleSet } from './rule-set.js';
import { messageOf } from '#kafka';

/** The repository root: the nearest folder above this module that holds package.json. */
function projectRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(folder, 'package.json'))) {
    const parent = dirname(folder);
    if (parent === folder) return process.cwd();
    folder = parent;
  }
  return folder;
}

/** The product's default policy, shipped with this library. */
export const DEFAULT_RULES_FILE = 'libs/rules/default.rules.json';

/** Reads and validates a rule file; relative paths are taken from the project root. */
export function loadRuleSet(file: string = DEFAULT_RULES_FILE): RuleSet {
  const path = isAbsolute(file) ? file : resolve(projectRoot(), file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new RuleSetError(path, [`cannot read the file: ${messageOf(error)}`]);
  }
  const parsed = parseJson(text);
  if (!parsed.ok)
    throw new RuleSetError(
      path,
      parsed.errors.map((error) => error.message),
    );
  return parseRuleSet(parsed.value, path);
}
