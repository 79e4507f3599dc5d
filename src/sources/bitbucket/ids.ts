/**
 * Bitbucket Cloud identifies repositories and projects by UUID; the Data pipeline's columns are
 * integers. A UUID maps to the integer of its first 13 hex digits (52 bits: exact in JSON and SQL),
 * stable across syncs. Activities have no id at all: theirs is a 52-bit FNV-1a hash of what they are.
 */
export function uuidToId(uuid: string | undefined | null): number | null {
  if (!uuid) return null;
  const hex = uuid.replace(/[^0-9a-fA-F]/g, "").slice(0, 13);
  return hex.length === 0 ? null : parseInt(hex, 16);
}

export function bareUuid(uuid: string | undefined | null): string | null {
  return uuid ? uuid.replace(/[{}]/g, "") : null;
}

export function hashId(text: string): number {
  // FNV-1a over 64 bits with BigInt, folded to 52 bits.
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return Number(h & 0xfffffffffffffn);
}
