// The bridge to the app: commands in, events out (the app's global API, no network).

interface TauriGlobal {
  core: { invoke<T>(command: string, args?: Record<string, unknown>): Promise<T> };
  event: { listen<T>(name: string, handler: (event: { payload: T }) => void): Promise<() => void> };
}

declare global {
  interface Window {
    __TAURI__?: TauriGlobal;
  }
}

function tauri(): TauriGlobal {
  const api = window.__TAURI__;
  if (!api) {
    throw new Error("this page runs inside the Aoun app only");
  }
  return api;
}

/** Runs an app command. */
export function invoke<T = void>(command: string, args?: Record<string, unknown>): Promise<T> {
  return tauri().core.invoke<T>(command, args);
}

/** Follows an app event. */
export function listen<T>(name: string, handler: (payload: T) => void): Promise<() => void> {
  return tauri().event.listen<T>(name, (event) => handler(event.payload));
}
