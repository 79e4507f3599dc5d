/**
 * Maps a generated object keyed by column name to the array the store takes (`storedColumns(def)`
 * order, the scope key last as `scope_key`). Columns the generator does not know become null, so a
 * new registry column needs no generator change.
 */
import { storedColumns, type EntityDef } from "../../core/entities/registry.js";
import type { RowValues } from "../../store/port.js";

export type RowObject = Readonly<Record<string, unknown>>;

export function rowMapper(def: EntityDef): (object: RowObject) => RowValues {
  const names = storedColumns(def).map((c) => c.name);
  return (object) => {
    const row = new Array<unknown>(names.length);
    for (let i = 0; i < names.length; i++) row[i] = object[names[i] as string] ?? null;
    return row;
  };
}

export function toRow(def: EntityDef, object: RowObject): RowValues {
  return rowMapper(def)(object);
}
