import type { DynamicModule } from '@nestjs/common';
import { EVENT_CONTRACT_VERSION, asyncApiDocument } from './asyncapi.js';
import { ASYNCAPI_DOCUMENT, AsyncApiController } from './asyncapi.controller.js';
import { HEALTH_INDICATORS, HealthController, HealthService } from './health.js';
import type { HealthIndicatorTokens } from './health.js';

/** Health, readiness and metrics endpoints of a service, and the AsyncAPI document of its events. */
export class PlatformModule {
  static forRoot(options: { service: string; indicators: HealthIndicatorTokens }): DynamicModule {
    return {
      module: PlatformModule,
      controllers: [HealthController, AsyncApiController],
      providers: [
        { provide: HEALTH_INDICATORS, useValue: options.indicators },
        HealthService,
        {
          provide: ASYNCAPI_DOCUMENT,
          useFactory: () => asyncApiDocument({ name: options.service, version: EVENT_CONTRACT_VERSION }),
        },
      ],
    };
  }
}
