import type { MouseEvent, ReactNode } from "react";
import { href, navigate } from "../app/router.js";
import type { Route } from "../app/router.js";

/** An in-app link: a real `<a href>` (open in new tab works) that navigates without a reload. */
export function Link({ to, children, className }: { to: Route; children: ReactNode; className?: string }) {
  function onClick(event: MouseEvent<HTMLAnchorElement>) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  }
  return (
    <a href={href(to)} onClick={onClick} className={className}>
      {children}
    </a>
  );
}
