/** One field's problem under it (the list beside the form is the one read out; this one is its description). */
export function FieldProblem({ id, message }: { id: string; message: string | null }) {
  if (!message) return null;
  return (
    <p className="field-error inline-problem" id={id}>
      {message}
    </p>
  );
}
