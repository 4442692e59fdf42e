import type { DataSource, EntityManager } from 'typeorm';

/** TypeORM answers an UPDATE or DELETE with `[rows, rowCount]` (other statements with the rows): the RETURNING rows. */
export async function updateReturning<T>(
  runner: DataSource | EntityManager,
  sql: string,
  parameters: readonly unknown[],
): Promise<T[]> {
  const [rows] = await runner.query<[T[], number]>(sql, [...parameters]);
  return rows;
}
