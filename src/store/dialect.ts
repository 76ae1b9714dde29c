import type { ColumnDefinitionBuilder } from 'kysely';

/** The few places where SQLite and PostgreSQL DDL differ, kept together. */
export interface DialectHelpers {
  readonly name: 'sqlite' | 'postgres';
  readonly autoIncrementId: 'integer' | 'serial';
  autoIncrementModifier(c: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
}

export const sqliteHelpers: DialectHelpers = {
  name: 'sqlite',
  autoIncrementId: 'integer',
  autoIncrementModifier: (c) => c.primaryKey().autoIncrement(),
};
