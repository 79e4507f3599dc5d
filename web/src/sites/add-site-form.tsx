import { useState } from "react";
import type { FormEvent } from "react";
import { errorText } from "../api/client.js";
import type { Product } from "../api/types.js";
import { PRODUCT_NAMES } from "../app/format.js";
import { useSession } from "../app/session.js";
import { FieldError } from "../components/field-error.js";

/** Adds an empty site at a context path. */
export function AddSiteForm({ onCreated }: { onCreated: () => Promise<void> }) {
  const { admin } = useSession();
  const [product, setProduct] = useState<Product>("jira");
  const [contextPath, setContextPath] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setNotice(null);
    const path = contextPath.trim();
    if (!path) {
      setError("Enter a context path, for example /jira2.");
      return;
    }
    setBusy(true);
    try {
      const site = await admin.createSite({ product, contextPath: path.startsWith("/") ? path : `/${path}` });
      setNotice(`Site ${site.contextPath || path} created.`);
      setContextPath("");
      await onCreated();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <details className="card add-site">
      <summary>Add a site</summary>
      <form onSubmit={(event) => void submit(event)} className="inline-form" noValidate>
        <div className="field">
          <label htmlFor="new-site-product">Product</label>
          <select id="new-site-product" value={product} onChange={(e) => setProduct(e.target.value as Product)}>
            {Object.entries(PRODUCT_NAMES).map(([value, name]) => (
              <option key={value} value={value}>
                {name}
              </option>
            ))}
          </select>
        </div>
        <div className="field grow">
          <label htmlFor="new-site-path">Context path</label>
          <input
            id="new-site-path"
            value={contextPath}
            placeholder="/jira2"
            onChange={(e) => setContextPath(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? "new-site-error" : undefined}
          />
        </div>
        <button type="submit" disabled={busy}>
          {busy ? "Adding…" : "Add site"}
        </button>
      </form>
      <FieldError id="new-site-error" message={error} />
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
    </details>
  );
}
