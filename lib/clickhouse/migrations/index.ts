// The ordered list of schema migrations. A migration's statements are idempotent
// (IF NOT EXISTS), so a migration interrupted half-way can simply run again. Append new
// versions at the end; never edit one that has shipped.
import type { SchemaTarget } from '../ddl.ts';
import { otelSchema } from './001_otel_schema.ts';

export interface Migration {
  version: number;
  name: string;
  statements(target: SchemaTarget): string[];
}

export const MIGRATIONS: readonly Migration[] = [otelSchema];

/** The schema version this build of telepipe reads and writes. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
