import { IsIn, IsInt, IsNotEmpty, IsString, Max, Min } from 'class-validator';
import { parseBrokers } from '#kafka';

/** Settings every service reads; each service's config class extends it with its own. */
export class ServiceConfig {
  @IsString()
  @IsNotEmpty()
  KAFKA_BROKERS = '127.0.0.1:9092';

  @IsString()
  HOST = '127.0.0.1';

  @IsInt()
  @Min(1)
  KAFKA_TOPIC_PARTITIONS = 6;

  /** Attempts per record (first try included) before it goes to the dead-letter topic. */
  @IsInt()
  @Min(1)
  @Max(20)
  KAFKA_MAX_ATTEMPTS = 4;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace'])
  LOG_LEVEL = 'info';

  get brokers(): string[] {
    return parseBrokers(this.KAFKA_BROKERS);
  }
}

/** Services that keep state in PostgreSQL. */
export class DatabaseServiceConfig extends ServiceConfig {
  @IsString()
  @IsNotEmpty()
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/support_routing';
}
