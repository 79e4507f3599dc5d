/**
 * The SQL text: a monospaced textarea (Ctrl+Enter or ⌘+Enter runs), that can select a line and
 * column (an error's position) and insert a name at the cursor (from the tables list).
 */
import { forwardRef, useImperativeHandle, useRef } from "react";

export interface SqlEditorHandle {
  select(line: number, column: number): void;
  insert(text: string): void;
}

export interface SqlEditorProps {
  value: string;
  onChange: (value: string) => void;
  onRun: () => void;
  invalid: boolean;
  describedBy?: string;
}

/** The offset of a 1-based line and column in `text` (clamped to the text). */
export function offsetOf(text: string, line: number, column: number): number {
  const lines = text.split("\n");
  let offset = 0;
  for (let i = 0; i < Math.min(line - 1, lines.length - 1); i++) offset += (lines[i]?.length ?? 0) + 1;
  return Math.min(text.length, offset + Math.max(0, column - 1));
}

export const SqlEditor = forwardRef<SqlEditorHandle, SqlEditorProps>(function SqlEditor({ value, onChange, onRun, invalid, describedBy }, ref) {
  const area = useRef<HTMLTextAreaElement>(null);
  useImperativeHandle(
    ref,
    () => ({
      select(line, column) {
        const el = area.current;
        if (!el) return;
        const at = offsetOf(el.value, line, column);
        el.focus();
        el.setSelectionRange(at, Math.min(el.value.length, at + 1));
      },
      insert(text) {
        const el = area.current;
        if (!el) return;
        const start = el.selectionStart ?? el.value.length;
        const end = el.selectionEnd ?? start;
        onChange(el.value.slice(0, start) + text + el.value.slice(end));
        requestAnimationFrame(() => {
          el.focus();
          el.setSelectionRange(start + text.length, start + text.length);
        });
      },
    }),
    [onChange],
  );
  return (
    <textarea
      id="sql-text"
      ref={area}
      className="sql-text"
      value={value}
      onChange={(e) => onChange(e.target.value)}
      onKeyDown={(e) => {
        if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
          e.preventDefault();
          onRun();
        }
      }}
      spellCheck={false}
      autoCapitalize="off"
      autoComplete="off"
      rows={8}
      aria-invalid={invalid ? true : undefined}
      aria-describedby={describedBy}
    />
  );
});
