//! Keeps one page's rendering bug from blanking the whole app: the shell (navigation) stays, the page shows what
//! broke and how to recover. Keyed by route in App.tsx, so moving to another page starts clean.

import { Component, type ErrorInfo, type ReactNode } from 'react';

interface State {
  error: Error | null;
}

export class PageErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error('page failed to render', error, info.componentStack);
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="state error" role="alert">
        <strong>This page failed to render</strong>
        <pre className="message">{this.state.error.message}</pre>
        <div className="muted">
          The server may be a different version than this UI (rebuild with `npm run build` and restart `serve`). Other
          pages still work from the navigation.
        </div>
        <button type="button" onClick={() => this.setState({ error: null })}>
          Try again
        </button>
      </div>
    );
  }
}
