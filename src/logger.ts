/** pino JSON logs; secrets redacted. Children carry `{site, jobId, node}`. */
import { pino, type Logger } from "pino";

export type { Logger };

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: ["token", "*.token", "authorization", "*.authorization", "req.headers.authorization", "password", "*.password", "apiToken", "*.apiToken"],
        censor: "[redacted]",
      },
    },
    destination ?? pino.destination(2),
  );
}
