/**
 * Contracts: a zod schema per request (a route's params, query or body) or stored params (a schedule's),
 * checked before anything runs.
 * Every problem is reported at once, each naming its field and what is allowed, under one error code.
 */
import { z } from "zod";
import { invalid, type ErrorCode } from "./errors.js";

export function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string, code: ErrorCode = "sluice.request.invalid"): z.infer<S> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => ({
    key: code,
    message: `${i.path.length > 0 ? i.path.join(".") : what}: ${i.message}`,
  }));
  throw invalid(problems, `Invalid ${what}`, code);
}

/** Text a store keeps as given (names): not blank, no NUL (PostgreSQL refuses it), at most `max` characters. */
export function plainText(max: number) {
  return z
    .string()
    .max(max, `at most ${max} characters`)
    .refine((s) => !s.includes("\u0000"), "must not hold a NUL character (\\u0000)")
    .refine((s) => s.trim() !== "", "must not be blank");
}
