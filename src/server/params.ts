/**
 * Query parameter validation of the Data pipeline API, with the original's error keys. Every problem
 * of a request is reported at once.
 */
import { isSupportedSchema, productSchemas, type Product } from "../core/entities/registry.js";
import type { ExportFormat } from "../core/export-job.js";
import { parseOffsetDateTime, truncateToMinute } from "../core/time.js";
import { invalid, type Problem } from "../core/errors.js";

const Q = "data-pipeline.api.rest.queryparam";
const DAY = 86_400_000;

type Query = Record<string, unknown>;

/** A parameter present once as a string; arrays (repeated parameters) keep the last value. */
function param(query: Query, name: string): string | undefined {
  const v = query[name];
  if (Array.isArray(v)) return v.length ? String(v[v.length - 1]) : undefined;
  return v === undefined ? undefined : String(v);
}

function missing(name: string): Problem {
  return { key: "data-pipeline.api.rest.declared.parameter.missing.value", message: `The parameter ${name} was given without a value.` };
}

export interface ExportParams {
  exportFrom: number;
  forced: boolean;
  schemaVersion: number;
  format: ExportFormat;
}

const FORMATS: readonly ExportFormat[] = ["csv", "parquet"];

export function parseExportParams(query: Query, product: Product, now: number): ExportParams {
  const errors: Problem[] = [];
  let exportFrom = truncateToMinute(now - 365 * DAY);
  const fromDate = param(query, "fromDate");
  if (fromDate !== undefined) {
    if (fromDate.trim() === "") errors.push(missing("fromDate"));
    else {
      const parsed = parseOffsetDateTime(fromDate);
      if (parsed === undefined) {
        errors.push({
          key: `${Q}.fromdate.invalid.should.be.iso.offset.datetime`,
          message: `fromDate '${fromDate.slice(0, 60)}' is not an ISO-8601 date-time with an offset, such as 2020-12-30T23:01Z or 2020-12-30T22:01+01:00.`,
        });
      } else if (parsed > now) {
        errors.push({ key: `${Q}.fromdate.should.not.be.future`, message: `fromDate ${fromDate} is in the future; it must be now or earlier.` });
      } else exportFrom = truncateToMinute(parsed);
    }
  }
  let forced = false;
  const force = param(query, "forceExport");
  if (force !== undefined) {
    if (force.trim() === "") errors.push(missing("forceExport"));
    else if (force === "true" || force === "false") forced = force === "true";
    else errors.push({ key: `${Q}.forceexport.invalid.should.be.boolean`, message: `forceExport must be true or false, not '${force.slice(0, 40)}'.` });
  }
  const schemas = productSchemas(product);
  let schemaVersion = schemas.current;
  const schema = param(query, "schemaVersion");
  if (schema !== undefined) {
    const supported = schemas.versions.map((v) => v.version).join(", ");
    if (schema.trim() === "") errors.push(missing("schemaVersion"));
    else if (!/^\d+$/.test(schema) || !isSupportedSchema(product, Number(schema))) {
      errors.push({
        key: `${Q}.schemaversion.invalid.should.be.supported.integer.schemaversion`,
        message: `schemaVersion '${schema.slice(0, 40)}' is not supported for ${product}; supported: ${supported}.`,
      });
    } else schemaVersion = Number(schema);
  }
  let format: ExportFormat = "csv";
  const f = param(query, "format");
  if (f !== undefined) {
    if (f.trim() === "") errors.push(missing("format"));
    else if (!(FORMATS as readonly string[]).includes(f.trim().toLowerCase())) {
      errors.push({ key: `${Q}.format.invalid`, message: `format '${f.slice(0, 40)}' is not a file format of the export; use csv or parquet.` });
    } else format = f.trim().toLowerCase() as ExportFormat;
  }
  if (errors.length) throw invalid(errors);
  return { exportFrom, forced, schemaVersion, format };
}

export function parseJobId(query: Query): number | undefined {
  const v = param(query, "jobId");
  if (v === undefined) return undefined;
  if (v.trim() === "") throw invalid([missing("jobId")]);
  if (!/^-?\d+$/.test(v.trim())) {
    throw invalid([{ key: `${Q}.job.id.should.be.numeric`, message: `jobId must be a number, not '${v.slice(0, 40)}'.` }]);
  }
  const n = Number(v);
  if (n <= 0 || !Number.isSafeInteger(n)) {
    throw invalid([{ key: `${Q}.job.id.should.be.positive`, message: `jobId must be a positive number, not ${v.slice(0, 40)}.` }]);
  }
  return n;
}

/** The largest page offset: numbers are bounded before they reach a store (a 64-bit offset overflowed). */
export const MAX_OFFSET = 1_000_000_000;

export function parsePage(query: Query): { offset: number; limit: number } {
  const errors: Problem[] = [];
  let offset = 0;
  let limit = 10;
  const o = param(query, "offset");
  if (o !== undefined) {
    if (o.trim() === "") errors.push(missing("offset"));
    else if (!/^-?\d+$/.test(o)) errors.push({ key: `${Q}.page.offset.should.be.numeric`, message: `offset must be a number, not '${o.slice(0, 40)}'.` });
    else if (Number(o) < 0) errors.push({ key: `${Q}.page.offset.should.not.be.negative`, message: `offset must be 0 or more.` });
    else if (Number(o) > MAX_OFFSET) errors.push({ key: `${Q}.page.offset.too.large`, message: `offset must be at most ${MAX_OFFSET.toLocaleString("en")}.` });
    else offset = Number(o);
  }
  const l = param(query, "limit");
  if (l !== undefined) {
    if (l.trim() === "") errors.push(missing("limit"));
    else if (!/^-?\d+$/.test(l)) errors.push({ key: `${Q}.page.limit.should.be.numeric`, message: `limit must be a number, not '${l.slice(0, 40)}'.` });
    else if (Number(l) < 1 || Number(l) > 1000) errors.push({ key: `${Q}.page.limit.should.be.between.1.and.1000`, message: `limit must be between 1 and 1000.` });
    else limit = Number(l);
  }
  if (errors.length) throw invalid(errors);
  return { offset, limit };
}

export function parseBoolean(query: Query, name: string, key: string, fallback: boolean): boolean {
  const v = param(query, name);
  if (v === undefined) return fallback;
  if (v === "true" || v === "false") return v === "true";
  throw invalid([{ key, message: `${name} must be true or false, not '${v.slice(0, 40)}'.` }]);
}
