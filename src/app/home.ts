/**
 * Sluice's home folder holds the store (tokens' hashes, everyone's data), exports and secrets: it is
 * the owner's alone (0700), whatever the umask and whatever mode it had before.
 */
import { chmodSync, mkdirSync } from "node:fs";

export function secureHome(home: string): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  chmodSync(home, 0o700);
}
