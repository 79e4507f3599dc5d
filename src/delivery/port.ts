/**
 * The delivery port: how a report's file reaches people (issue 15). Each kind lives in its own folder
 * (`email/`, `link/`, `sftp/`, `webhook/`, `api/`) with the same shape — the zod schema of its settings
 * (checked when a schedule is saved), optional deeper checks (a key that parses, a target address that
 * is allowed) and `send`, which delivers one built file once. Retries, records and the file's keeping
 * are the report run's business (`src/reports/`), not a kind's.
 */
import { z } from "zod";
import type { Problem } from "../core/errors.js";
import type { Logger } from "../logger.js";
import type { DeliveryConfig } from "./delivery-config.js";

export type ReportFormat = "csv" | "xlsx" | "json" | "parquet";

/**
 * A delivery's id within its schedule: given by the server when the delivery is made, sent back with a
 * change so that its stored secrets stay with it wherever it moves in the list.
 */
export const deliveryId = z.string().regex(/^[a-z0-9]{1,40}$/, "a delivery id as the server gave it").optional();

/** A built report file, complete on disk. */
export interface ReportFile {
  path: string;
  /** The file name people see (the schedule's template filled in). */
  name: string;
  format: ReportFormat;
  contentType: string;
  rows: number;
  bytes: number;
  sha256: string;
}

/** The values of `{{…}}` placeholders in file names, webhook URLs and email templates. */
export interface Placeholders {
  exportConfigName: string;
  exportConfigId: string;
  reportDate: string;
  jql: string;
  format: string;
  rows: string;
  sizeMb: string;
}

export interface DeliveryContext {
  file: ReportFile;
  scheduleId: number;
  runId: number;
  placeholders: Placeholders;
  config: DeliveryConfig;
  /** The environment the configuration names secrets in (`delivery.smtp.passwordEnv`). */
  env: Readonly<Record<string, string | undefined>>;
  /** Sluice's version, for `user-agent`. */
  version: string;
  signal: AbortSignal;
  logger: Logger;
  /** A signed link to the file that works for `retentionDays` (the file is kept that long). */
  link(retentionDays: number): Promise<string>;
  /** The email addresses of site users, by user name (those without one left out). */
  userEmails(names: readonly string[]): Promise<string[]>;
}

export interface DeliveryResult {
  /** What was done, for the run's record: the link made, the remote path, the recipients. */
  detail: string;
}

export interface DeliveryKind<C extends { type: string } = { type: string }> {
  readonly type: C["type"];
  /** The settings of one delivery of this kind, as a schedule holds them. */
  readonly schema: z.ZodType<C>;
  /** Settings fields that are secrets: never shown back, kept when a change sends the placeholder. */
  readonly secrets?: readonly string[];
  /**
   * Whether two settings send to the same place (URL origin, host, port and user): a stored secret is
   * kept for a changed delivery only then, so that nobody points a saved credential elsewhere unseen.
   */
  sameTarget?(a: C, b: C): boolean;
  /** Checks the schema cannot make (a key that parses, an allowed target); problems name `field`. */
  check?(settings: C, field: string, config: DeliveryConfig): Promise<Problem[]>;
  send(settings: C, ctx: DeliveryContext): Promise<DeliveryResult>;
}
