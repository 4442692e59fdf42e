import { readFileSync } from 'node:fs';
import { CONFIGURATION_DOC, configurationDoc, settings } from './configuration-doc.js';

describe('docs/configuration.md', () => {
  const root = process.cwd();

  it('says what every setting of every service means', () => {
    const sut = settings(root);

    expect(sut.length).toBeGreaterThan(40);
    expect(sut.filter((setting) => setting.meaning === '').map((setting) => setting.name)).toEqual([]);
  });

  it('is what the config classes give (npm run docs:config writes it again)', async () => {
    const sut = await configurationDoc(root);

    expect(readFileSync(CONFIGURATION_DOC, 'utf8')).toBe(sut);
  });
});
