/** A restore check's title and its consents' answers, in words (the server's codes stay beside them). */

const TITLES: Record<string, string> = {
  CONFLICTING_SPACES: "Spaces the destination has already",
  CONFLICTING_PROJECTS: "Projects the destination has already",
  CONFLICTING_REPOSITORIES: "Repositories the destination has already",
  CONFLICTING_GROUPS: "Groups the destination has already",
  CUSTOM_GROUPS: "Groups new to the destination",
  PRODUCT_LICENSE: "The destination's plan is lower",
  TDP_SHARD: "Another region",
  SITE_LICENSE: "The destination is not licensed",
};

const ANSWERS: Record<string, string> = {
  Consent_Conflicting_Space_Check: "Skip them: the destination's stay as they are",
  Consent_Conflicting_Group_Check: "Merge them: add the backup's members",
  Consent_Product_License_Check: "Restore anyway",
  Consent_TDP_Shard_Check: "Restore into this region anyway",
  Consent_Site_License_Check: "Restore anyway",
  Accept_Custom_Group_Check: "Accept: create them",
  Deny_Custom_Group_Check: "Deny: leave them and their memberships out",
};

export function checkTitle(code: string): string {
  const words = code.toLowerCase().replace(/_/g, " ");
  return TITLES[code] ?? `${words[0]?.toUpperCase() ?? ""}${words.slice(1)}`;
}

export function answerText(consent: string): string {
  return ANSWERS[consent] ?? consent;
}

/** The answers a check takes: one consent, or a choice of several (`A|B`). */
export function answersOf(consent: string): string[] {
  return consent.split("|").filter(Boolean);
}
