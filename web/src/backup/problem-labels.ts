/** A form's problems for the list beside it, each field named by its label rather than the API's name. */
import type { Problem } from "../reports/api-problems.js";

export function labelled(problems: readonly Problem[], labels: Readonly<Record<string, string>>): Problem[] {
  return problems.map((p) => {
    if (p.field === null) return p;
    const [head = p.field, ...rest] = p.field.split(".");
    const label = labels[head];
    return label ? { ...p, field: rest.length > 0 ? `${label}.${rest.join(".")}` : label } : p;
  });
}
