import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';

/**
 * The pool of the auditors' whole-store reads (chain verification, export, statistics): small and
 * with a statement timeout, so that they can neither starve ingestion of connections nor run
 * without end.
 */
export const AUDIT_DATA_SOURCE = Symbol('AUDIT_DATA_SOURCE');

@Injectable()
export class AuditDataSourceCloser implements OnApplicationShutdown {
  constructor(@Inject(AUDIT_DATA_SOURCE) private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
