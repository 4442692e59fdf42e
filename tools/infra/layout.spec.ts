import { isComponent, isProfile, profileSettings } from './layout.js';

describe('layout', () => {
  it('keeps the test profile off the dev ports', () => {
    const sut = { dev: profileSettings('dev'), test: profileSettings('test') };
    expect(sut.test.kafkaPort).not.toBe(sut.dev.kafkaPort);
    expect(sut.test.embeddedPostgresPort).not.toBe(sut.dev.embeddedPostgresPort);
    expect(isProfile('test')).toBe(true);
    expect(isComponent('redis')).toBe(false);
  });
});
