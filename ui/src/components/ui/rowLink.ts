//! Keyboard basics for table rows that open something: focusable with Tab, Enter (or a click outside any inner
//! control) follows the row's link, so every row-shaped list works without a mouse.

import type { KeyboardEvent, MouseEvent } from 'react';

export interface RowLinkProps {
  tabIndex: 0;
  className: string;
  'aria-label': string;
  onKeyDown: (e: KeyboardEvent<HTMLElement>) => void;
  onClick: (e: MouseEvent<HTMLElement>) => void;
}

/** True when the event started on an element that handles input itself (links, buttons, form fields). */
function fromControl(target: EventTarget | null): boolean {
  return target instanceof Element && target.closest('a, button, input, select, textarea, label') !== null;
}

/** Props for a `<tr>` that navigates to `hash` (e.g. `#/models/agent`). */
export function rowLink(hash: string, label: string): RowLinkProps {
  const go = () => {
    window.location.hash = hash.replace(/^#/, '');
  };
  return {
    tabIndex: 0,
    className: 'clickable',
    'aria-label': label,
    onKeyDown: (e) => {
      if (e.key === 'Enter' && e.target === e.currentTarget) {
        e.preventDefault();
        go();
      }
    },
    onClick: (e) => {
      if (!fromControl(e.target)) go();
    },
  };
}
