/** A refused query's message with where it went wrong: the line, a caret under the column, a way back to it. */
import { errorText } from "../api/client.js";
import { SqlError } from "../api/sql.js";

export function SqlErrorBox({ error, text, onShow }: { error: unknown; text: string; onShow: (line: number, column: number) => void }) {
  const position = error instanceof SqlError ? error.position : null;
  const timedOut = error instanceof SqlError && error.timedOut;
  const line = position ? (text.split("\n")[position.line - 1] ?? "") : "";
  return (
    <div className="message-block bad sql-error" role="alert" data-testid="sql-error">
      <p>
        <strong>{timedOut ? "The query took too long." : "The query failed."}</strong> {errorText(error)}
      </p>
      {position && (
        <>
          <p data-testid="sql-error-position">
            At line {position.line}, column {position.column}:
          </p>
          <pre className="sql-snippet" aria-hidden="true">
            {line}
            {"\n"}
            {" ".repeat(Math.max(0, position.column - 1))}^
          </pre>
          <button type="button" className="small" onClick={() => onShow(position.line, position.column)}>
            Show in the editor
          </button>
        </>
      )}
      {timedOut && <p className="hint">Narrow the query (a WHERE, a LIMIT, fewer joins) and run it again; your text is kept.</p>}
    </div>
  );
}
