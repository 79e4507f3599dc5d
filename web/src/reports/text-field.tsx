/** A labelled input (or text area) with its hint and its problem as its description. */
export interface TextFieldProps {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  problem?: string | null;
  hint?: string;
  type?: "text" | "number" | "password" | "url";
  rows?: number;
  mono?: boolean;
  placeholder?: string;
  grow?: boolean;
}

export function TextField({ id, label, value, onChange, problem, hint, type = "text", rows, mono, placeholder, grow }: TextFieldProps) {
  const described = [hint ? `${id}-hint` : "", problem ? `${id}-problem` : ""].filter(Boolean).join(" ") || undefined;
  const common = {
    id,
    value,
    className: mono ? "mono" : undefined,
    placeholder,
    "aria-invalid": problem ? true : undefined,
    "aria-describedby": described,
  };
  return (
    <div className={grow ? "field grow" : "field"}>
      <label htmlFor={id}>{label}</label>
      {rows !== undefined ? (
        <textarea {...common} rows={rows} onChange={(e) => onChange(e.target.value)} />
      ) : (
        <input {...common} type={type} onChange={(e) => onChange(e.target.value)} autoComplete={type === "password" ? "new-password" : "off"} />
      )}
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {problem && (
        <p className="field-error inline-problem" id={`${id}-problem`}>
          {problem}
        </p>
      )}
    </div>
  );
}
