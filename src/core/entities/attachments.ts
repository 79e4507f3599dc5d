/**
 * The attachment entity of a product whose items carry files (Jira issues, Confluence pages): the row
 * here, the bytes in the attachment store (`src/attachments/`, keyed by site and `attachment_id`). Kept
 * and backed up with their bytes, never an export file (no schema version has them); a row belongs to
 * its parent item and goes with it.
 */
import type { EntityDef, Product, ScopeKind } from "./types.js";

export function attachmentEntity(product: Product, parent: { entity: string; column: string }, scope: ScopeKind): EntityDef {
  return {
    product,
    kind: "attachment",
    name: "attachments",
    parents: [parent],
    schemas: [],
    key: ["attachment_id"],
    cursor: "created_date",
    scope,
    columns: [
      { name: "attachment_id", type: "integer" },
      { name: parent.column, type: "integer", ref: parent.entity },
      { name: "filename", type: "string" },
      { name: "media_type", type: "string" },
      { name: "size", type: "integer" },
      { name: "sha256", type: "string" },
      { name: "author_id", type: "string" },
      { name: "created_date", type: "datetime" },
    ],
  };
}
