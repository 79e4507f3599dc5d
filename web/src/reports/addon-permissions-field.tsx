/**
 * "Generate with add-on permissions", and whether an administrator allows it on the report's site
 * (the site's report settings, readable by everyone): where not, the owner's permissions apply.
 */
import type { ReportsApi } from "../api/reports.js";
import { useLoad } from "../app/use-load.js";
import { CheckField } from "./check-field.js";

export interface AddonPermissionsFieldProps {
  id: string;
  reports: ReportsApi;
  /** The report's site (its context path); null when not known. */
  site: string | null;
  checked: boolean;
  onChange: (checked: boolean) => void;
}

export function AddonPermissionsField({ id, reports, site, checked, onChange }: AddonPermissionsFieldProps) {
  const { value: settings, error } = useLoad(async () => (site === null ? null : reports.settings(site)), [reports, site], "Could not check whether it is allowed");
  let allowed = "Checking whether an administrator allows it on this site…";
  if (error) allowed = `${error}. Where it is not allowed, the owner's permissions apply.`;
  else if (site === null) allowed = "Where an administrator does not allow it, the owner's permissions apply.";
  else if (settings?.allowAddonPermissions === true) allowed = `Allowed on ${settings.site} by an administrator: the file holds every row.`;
  else if (settings?.allowAddonPermissions === false) allowed = `Not allowed on ${settings.site} by an administrator: the owner's permissions apply.`;
  return (
    <div className="addon-field" data-testid="addon-permissions">
      <CheckField id={id} label="Generate with add-on permissions" checked={checked} onChange={onChange} hint={`Every row, not only those the owner may see. ${allowed}`} />
    </div>
  );
}
