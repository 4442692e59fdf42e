import type { DynamicModule } from '@nestjs/common';
import { HEALTH_INDICATORS, HealthController, HealthService } from './health.js';
import type { HealthIndicatorTokens } from './health.js';

/** Health, readiness and metrics endpoints of a service. */
export class PlatformModule {
  static forRoot(options: { indicators: HealthIndicatorTokens }): DynamicModule {
    return {
      module: PlatformModule,
      controllers: [HealthController],
      providers: [{ provide: HEALTH_INDICATORS, useValue: options.indicators }, HealthService],
    };
  }
}
