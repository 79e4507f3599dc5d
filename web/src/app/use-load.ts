import { useEffect, useState } from "react";
import type { DependencyList } from "react";
import { errorText } from "../api/client.js";

export interface Loaded<T> {
  /** null until loaded (and after a failure). */
  value: T | null;
  /** What went wrong, in words, prefixed with `what`. */
  error: string | null;
  set: (value: T) => void;
}

/** Loads once per change of `deps` (what `load` reads); an answer that comes after the next change or unmount is dropped. */
export function useLoad<T>(load: () => Promise<T>, deps: DependencyList, what: string): Loaded<T> {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    load()
      .then((v) => {
        if (cancelled) return;
        setValue(v);
        setError(null);
      })
      .catch((e) => {
        if (!cancelled) setError(`${what}: ${errorText(e)}`);
      });
    return () => {
      cancelled = true;
    };
  }, deps);
  return { value, error, set: setValue };
}
