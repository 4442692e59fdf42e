import { IsIn, IsInt, IsNotEmpty, IsString, Max, Min } from 'class-validator';
import { parseBrokers } from '#kafka';
import { loadConfig } from '#platform';

export class NotificationConfig {
  @IsString()
  @IsNotEmpty()
  KAFKA_BROKERS = '127.0.0.1:9092';

  @IsInt()
  @Min(0)
  @Max(65535)
  NOTIFICATION_PORT = 3003;

  @IsString()
  HOST = '127.0.0.1';

  @IsInt()
  @Min(1)
  KAFKA_TOPIC_PARTITIONS = 6;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace'])
  LOG_LEVEL = 'info';

  get brokers(): string[] {
    return parseBrokers(this.KAFKA_BROKERS);
  }
}

export function loadNotificationConfig(env: NodeJS.ProcessEnv = process.env): NotificationConfig {
  return loadConfig(NotificationConfig, env);
}
