/**
 * Sluice's home folder holds the store (tokens' hashes, everyone's data), exports and the secrets
 * folder (sources' token files): each is the owner's alone (0700), whatever the umask and whatever mode
 * it had before.
 */
import { chmodSync, mkdirSync } from "node:fs";
import { secretsFolder } from "../sources/connector/credentials.js";

export function secureHome(home: string): void {
  for (const dir of [home, secretsFolder(home)]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  }
}
