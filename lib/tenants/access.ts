// What both ways of giving a tenant its own read-only ClickHouse user share: row policies on
// servers that have SQL access control (row-policies.ts), a users.d file plus a database of
// per-tenant copies on 18.16, which has neither (users-file.ts). `manage.ts` picks one.
import type { TenantNames } from './names.ts';

/** A tenant user found on the server (or in the users folder), as `telepipe tenants list` shows it. */
export interface TenantEntry {
  tenant: string;
  user: string;
  /** Where its reads come from: the main database (row policies) or its copy database. */
  database: string;
}

export interface TenantAccess {
  /** `row policies` or `users file`: how reads are restricted, for messages. */
  readonly mechanism: string;
  exists(names: TenantNames): Promise<boolean>;
  /**
   * Creates the user and its restriction, or brings an existing one back in line. The password
   * changes only when `passwordSha256` is given; a new user needs one.
   */
  apply(names: TenantNames, passwordSha256: string | undefined): Promise<void>;
  /** Removes the user and its restriction; false when there was none. */
  remove(names: TenantNames): Promise<boolean>;
  list(): Promise<TenantEntry[]>;
  /** What differs from what `apply` would make (empty: all in line). */
  problems(names: TenantNames, passwordSha256: string | undefined): Promise<string[]>;
}
