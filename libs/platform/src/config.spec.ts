import { IsNotEmpty, IsString } from 'class-validator';
import { configProblems } from '#testing';
import { DevelopmentDefault, NODE_ENV_REQUIRED, loadConfig } from './config.js';

class SampleConfig {
  @IsString()
  NODE_ENV = '';

  @IsString()
  @IsNotEmpty({ message: 'must be set' })
  @DevelopmentDefault('public-development-secret')
  SECRET = '';

  @IsString()
  PLAIN = 'default';
}

const problemsOf = (env: NodeJS.ProcessEnv): string[] =>
  configProblems((values) => loadConfig(SampleConfig, values), env);

describe(loadConfig.name, () => {
  it('refuses an unset or blank NODE_ENV with that one problem', () => {
    expect(problemsOf({})).toEqual([NODE_ENV_REQUIRED]);
    expect(problemsOf({ NODE_ENV: '' })).toEqual([NODE_ENV_REQUIRED]);
    expect(problemsOf({ NODE_ENV: '  ' })).toEqual([NODE_ENV_REQUIRED]);
  });

  it('uses a development default only with NODE_ENV=development', () => {
    expect(loadConfig(SampleConfig, { NODE_ENV: 'development' }).SECRET).toBe('public-development-secret');
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual(['SECRET: must be set']);
    expect(problemsOf({ NODE_ENV: 'Development' })).toEqual(['SECRET: must be set']);
  });

  it('prefers the environment over any default, and treats an empty value as unset', () => {
    expect(loadConfig(SampleConfig, { NODE_ENV: 'production', SECRET: 'given' }).SECRET).toBe('given');
    expect(loadConfig(SampleConfig, { NODE_ENV: 'development', SECRET: '' }).SECRET).toBe('public-development-secret');
    expect(loadConfig(SampleConfig, { NODE_ENV: 'production', SECRET: 'x', PLAIN: '' }).PLAIN).toBe('default');
  });
});
