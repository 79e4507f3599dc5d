/**
 * An SFTP delivery: host, port, user, a password or a private key, the server's pinned host key and
 * the remote directory. Saved secrets are not shown: left blank, they are kept.
 */
import { problemAt, type Problem } from "./api-problems.js";
import type { SftpDraft } from "./delivery-draft.js";
import { TextField } from "./text-field.js";

export interface SftpFieldsProps {
  p: string;
  at: string;
  draft: SftpDraft;
  onChange: (draft: SftpDraft) => void;
  problems: readonly Problem[];
}

const KEEP = "Saved: leave blank to keep it.";

export function SftpFields({ p, at, draft, onChange, problems }: SftpFieldsProps) {
  const set = (patch: Partial<SftpDraft>) => onChange({ ...draft, ...patch });
  const problem = (field: string) => problemAt(problems, `${at}.${field}`);
  return (
    <>
      <div className="form-grid">
        <TextField id={`${p}-host`} label="Host" value={draft.host} onChange={(host) => set({ host })} problem={problem("host")} mono />
        <TextField id={`${p}-port`} label="Port" type="number" value={draft.port} onChange={(port) => set({ port })} problem={problem("port")} />
        <TextField id={`${p}-user`} label="User" value={draft.user} onChange={(user) => set({ user })} problem={problem("user")} />
        <TextField id={`${p}-directory`} label="Remote directory" value={draft.directory} onChange={(directory) => set({ directory })} hint="Made when missing." problem={problem("directory")} mono />
      </div>
      <fieldset className="auth-choice">
        <legend>Sign in with</legend>
        <label className="check-line">
          <input type="radio" name={`${p}-auth`} checked={draft.auth === "key"} onChange={() => set({ auth: "key" })} /> A private key
        </label>
        <label className="check-line">
          <input type="radio" name={`${p}-auth`} checked={draft.auth === "password"} onChange={() => set({ auth: "password" })} /> A password
        </label>
      </fieldset>
      {draft.auth === "password" ? (
        <TextField id={`${p}-password`} label="Password" type="password" value={draft.password} onChange={(password) => set({ password })} placeholder={draft.saved.password ? "(saved)" : undefined} {...(draft.saved.password ? { hint: KEEP } : {})} problem={problem("password")} />
      ) : (
        <div className="form-grid">
          <TextField id={`${p}-key`} label="Private key" value={draft.privateKey} onChange={(privateKey) => set({ privateKey })} rows={3} mono placeholder={draft.saved.privateKey ? "(saved)" : "-----BEGIN OPENSSH PRIVATE KEY-----"} hint={draft.saved.privateKey ? KEEP : "OpenSSH or PEM."} problem={problem("privateKey")} />
          <TextField id={`${p}-passphrase`} label="Key passphrase" type="password" value={draft.passphrase} onChange={(passphrase) => set({ passphrase })} placeholder={draft.saved.passphrase ? "(saved)" : undefined} hint={draft.saved.passphrase ? KEEP : "When the key has one."} problem={problem("passphrase")} />
        </div>
      )}
      <TextField id={`${p}-host-key`} label="Host key" value={draft.hostKey} onChange={(hostKey) => set({ hostKey })} mono hint="The server's SHA256 fingerprint (as ssh-keygen -lf prints it) or its public key line: a changed key is refused." problem={problem("hostKey")} />
    </>
  );
}
