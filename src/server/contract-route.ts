/**
 * Routes declared with their contract: zod schemas for the path parameters, the query and the body.
 * The same schemas are checked before the handler runs (every problem of every part at once, each a key
 * and a message naming the field, 400) and rendered into the OpenAPI document (`z.toJSONSchema`, the
 * input side), so the document and the validation cannot drift. The handler gets the parsed values.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { parseWith } from "../core/contract.js";
import { invalid, isSluiceError, type ErrorCode, type Problem } from "../core/errors.js";

type Part = z.ZodType | undefined;
type Parsed<S extends Part> = S extends z.ZodType ? z.output<S> : undefined;

export interface Contract<P extends Part, Q extends Part, B extends Part> {
  tags: string[];
  summary: string;
  description?: string;
  params?: P;
  query?: Q;
  body?: B;
  /** What the body is called in messages ("schedule", "grant"); default "request body". */
  bodyName?: string;
  /** The error code of a bad request; default `sluice.request.invalid`. */
  code?: ErrorCode;
  /** Open to every valid token, not only sysadmins (the handler limits what each person sees). */
  people?: boolean;
  /** No token: the URL carries its own signature and expiry (download links); the handler checks them. */
  signed?: boolean;
}

export interface Input<P extends Part, Q extends Part, B extends Part> {
  params: Parsed<P>;
  query: Parsed<Q>;
  body: Parsed<B>;
}

/** The OpenAPI (3.0) JSON schema of what a request may send for `schema`. */
export function documented(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { target: "openapi-3.0", io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

function parsePart(schema: Part, value: unknown, what: string, code: ErrorCode, problems: Problem[]): unknown {
  if (schema === undefined) return undefined;
  try {
    return parseWith(schema, value, what, code);
  } catch (error) {
    if (!isSluiceError(error)) throw error;
    problems.push(...error.problems);
    return undefined;
  }
}

export function contractRoute<P extends Part = undefined, Q extends Part = undefined, B extends Part = undefined>(
  app: FastifyInstance,
  method: "GET" | "POST" | "PUT" | "DELETE",
  url: string,
  contract: Contract<P, Q, B>,
  handler: (input: Input<P, Q, B>, request: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
): void {
  const code = contract.code ?? "sluice.request.invalid";
  app.route({
    method,
    url,
    config: { people: contract.people === true, signed: contract.signed === true },
    schema: {
      tags: contract.tags,
      summary: contract.summary,
      ...(contract.description ? { description: contract.description } : {}),
      // Who may call it, for readers of the document (and the fuzz test): every token, or sysadmins.
      "x-sluice-access": contract.signed === true ? "signed link" : contract.people === true ? "any token" : "sysadmin",
      ...(contract.signed === true ? { security: [] } : {}),
      ...(contract.params ? { params: documented(contract.params) } : {}),
      ...(contract.query ? { querystring: documented(contract.query) } : {}),
      ...(contract.body ? { body: documented(contract.body) } : {}),
    },
    handler: async (request, reply) => {
      const problems: Problem[] = [];
      const params = parsePart(contract.params, request.params, "path parameters", code, problems);
      const query = parsePart(contract.query, request.query, "query parameters", code, problems);
      const body = parsePart(contract.body, request.body, contract.bodyName ?? "request body", code, problems);
      if (problems.length > 0) throw invalid(problems, "Invalid request", code);
      return handler({ params, query, body } as Input<P, Q, B>, request, reply);
    },
  });
}
