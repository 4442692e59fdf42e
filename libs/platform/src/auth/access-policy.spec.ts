import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ACCESS_POLICY } from './auth.guard.js';

const ROOT = resolve(import.meta.dirname, '../../../..');

/** Source files (tests excluded) that declare a Nest controller. */
function controllerFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : controllerFiles(path);
    if (!entry.name.endsWith('.ts') || /\.(spec|int-spec|e2e-spec)\.ts$/.test(entry.name)) return [];
    return readFileSync(path, 'utf8').includes('@Controller(') ? [path] : [];
  });
}

interface Route {
  readonly where: string;
  readonly policy: unknown;
}

async function routes(): Promise<Route[]> {
  const found: Route[] = [];
  for (const file of [...controllerFiles(join(ROOT, 'apps')), ...controllerFiles(join(ROOT, 'libs'))]) {
    const module = (await import(file)) as Record<string, unknown>;
    for (const [name, exported] of Object.entries(module)) {
      if (typeof exported !== 'function') continue;
      const prototype = (exported as { prototype?: Record<string, unknown> }).prototype ?? {};
      for (const method of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[method];
        if (typeof handler !== 'function' || Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
        if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
        const policy: unknown =
          Reflect.getMetadata(ACCESS_POLICY, handler) ?? Reflect.getMetadata(ACCESS_POLICY, exported);
        found.push({ where: `${relative(ROOT, file)} ${name}.${method}`, policy });
      }
    }
  }
  return found;
}

describe('access policies', () => {
  it('declares on every HTTP route who may call it: a role, a guard of its own, or explicitly anyone', async () => {
    const sut = await routes();

    expect(sut.length).toBeGreaterThanOrEqual(10);
    expect(sut.filter((route) => route.policy === undefined).map((route) => route.where)).toEqual([]);
  });
});
