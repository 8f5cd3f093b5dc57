//! Light/dark theme: follows the system until the user picks one (kept in localStorage); a React context carries it
//! to the chart wrapper.

import { createContext, useContext } from 'react';

export type Theme = 'light' | 'dark';
const KEY = 'browser-ai-mlops.theme';

export function initialTheme(): Theme {
  const saved = globalThis.localStorage?.getItem(KEY);
  if (saved === 'light' || saved === 'dark') return saved;
  return globalThis.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function saveTheme(theme: Theme): void {
  globalThis.localStorage?.setItem(KEY, theme);
  document.documentElement.dataset['theme'] = theme;
}

export const ThemeContext = createContext<Theme>('light');

export function useTheme(): Theme {
  return useContext(ThemeContext);
}
