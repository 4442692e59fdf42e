import { Controller, Get } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ModuleRef } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { userToken } from '#testing';
import { DEVELOPMENT } from '../development.js';
import { AccessGuard, Public, Roles } from './auth.guard.js';
import type { AuthenticatedRequest } from './auth.guard.js';
import { TokenVerifier } from './token-verifier.js';

@Controller()
class SampleController {
  @Get('open')
  @Public()
  open(): void {}

  @Get('audit')
  @Roles('auditor')
  audit(): void {}

  @Get('anyone-logged-in')
  @Roles()
  anyone(): void {}

  @Get('forgotten')
  forgotten(): void {}
}

function context(
  handler: () => void,
  authorization?: string,
): { host: ExecutionContextHost; request: Partial<AuthenticatedRequest> } {
  const request: Partial<AuthenticatedRequest> = { headers: authorization === undefined ? {} : { authorization } };
  const host = new ExecutionContextHost([request, {}], SampleController, handler);
  host.setType('http');
  return { host, request };
}

describe(AccessGuard.name, () => {
  const sut = new AccessGuard(new Reflector(), new TokenVerifier(DEVELOPMENT.jwt), {} as ModuleRef);
  const routes = SampleController.prototype;

  it('lets anyone through a public route', async () => {
    await expect(sut.canActivate(context(routes.open).host)).resolves.toBe(true);
  });

  it('refuses a route that declares no policy: never public by omission', async () => {
    await expect(sut.canActivate(context(routes.forgotten).host)).rejects.toMatchObject({
      status: 500,
      code: 'ACCESS_POLICY_MISSING',
    });
  });

  it('requires a valid token with one of the roles, and hands its principal to the route', async () => {
    const auditor = await userToken({ sub: 'auditor-1', org: 'org-1', roles: ['auditor'] });
    const agent = await userToken({ sub: 'agent-1', roles: ['agent'] });
    const allowed = context(routes.audit, `Bearer ${auditor}`);

    await expect(sut.canActivate(allowed.host)).resolves.toBe(true);
    expect(allowed.request.principal).toMatchObject({ kind: 'user', userId: 'auditor-1', orgId: 'org-1' });
    await expect(sut.canActivate(context(routes.audit, `Bearer ${agent}`).host)).rejects.toMatchObject({ status: 403 });
    await expect(sut.canActivate(context(routes.audit).host)).rejects.toMatchObject({ status: 401 });
  });

  it('takes any valid token where no role is named', async () => {
    const token = await userToken({ sub: 'user-1' });

    await expect(sut.canActivate(context(routes.anyone, `Bearer ${token}`).host)).resolves.toBe(true);
    await expect(sut.canActivate(context(routes.anyone, 'Bearer nonsense').host)).rejects.toMatchObject({
      status: 401,
    });
  });
});
