import type { MouseEvent, ReactNode } from "react";
import { href, navigate } from "../app/router.js";
import type { Route } from "../app/router.js";

export interface LinkProps {
  to: Route;
  children: ReactNode;
  className?: string;
  /** This link is the page shown (`aria-current="page"`). */
  current?: boolean;
}

/** An in-app link: a real `<a href>` (open in new tab works) that navigates without a reload. */
export function Link({ to, children, className, current }: LinkProps) {
  function onClick(event: MouseEvent<HTMLAnchorElement>) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  }
  return (
    <a href={href(to)} onClick={onClick} className={className} aria-current={current ? "page" : undefined}>
      {children}
    </a>
  );
}
