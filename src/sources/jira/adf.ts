/**
 * Atlassian Document Format (Jira Cloud v3 descriptions, environments, comments, worklog comments) to
 * plain text: block nodes end with a newline, hard breaks are newlines, mentions, emojis, dates and
 * cards keep their visible text. A plain string (Data Center, v2) passes through unchanged.
 */
interface AdfNode {
  type?: string;
  text?: string;
  attrs?: Record<string, unknown>;
  content?: AdfNode[];
}

const BLOCKS = new Set([
  "paragraph",
  "heading",
  "blockquote",
  "codeBlock",
  "listItem",
  "tableRow",
  "panel",
  "rule",
  "mediaSingle",
  "mediaGroup",
  "expand",
  "nestedExpand",
  "decisionItem",
  "taskItem",
]);

function walk(node: AdfNode, out: string[]): void {
  switch (node.type) {
    case "text":
      out.push(node.text ?? "");
      return;
    case "hardBreak":
      out.push("\n");
      return;
    case "mention":
      out.push(String(node.attrs?.text ?? ""));
      return;
    case "emoji":
      out.push(String(node.attrs?.text ?? node.attrs?.shortName ?? ""));
      return;
    case "date": {
      const ts = Number(node.attrs?.timestamp);
      out.push(Number.isFinite(ts) ? new Date(ts).toISOString().slice(0, 10) : "");
      return;
    }
    case "status":
      out.push(String(node.attrs?.text ?? ""));
      return;
    case "inlineCard":
    case "blockCard":
    case "embedCard":
      out.push(String(node.attrs?.url ?? ""));
      return;
    case "listItem":
      out.push("- ");
      break;
    case "tableCell":
    case "tableHeader":
      break;
    default:
      break;
  }
  for (const child of node.content ?? []) walk(child, out);
  if (node.type === "tableCell" || node.type === "tableHeader") out.push("\t");
  if (node.type && BLOCKS.has(node.type) && out[out.length - 1] !== "\n") out.push("\n");
}

export function isAdf(value: unknown): value is AdfNode {
  return typeof value === "object" && value !== null && (value as AdfNode).type === "doc";
}

export function adfToText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (!isAdf(value)) return JSON.stringify(value);
  const out: string[] = [];
  walk(value, out);
  return out.join("").replace(/\t\n/g, "\n").replace(/\n+$/, "");
}
