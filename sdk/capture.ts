// SPA navigation: calls back after history.pushState/replaceState and on popstate, without changing what they do.

export function watchHistory(onChange: () => void): void {
  for (const method of ['pushState', 'replaceState'] as const) {
    const original = history[method];
    history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
      const result = original.apply(this, args);
      onChange(); // guarded by the caller: the host's navigation has already happened
      return result;
    };
  }
  addEventListener('popstate', onChange);
}
