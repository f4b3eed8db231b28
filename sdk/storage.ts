// Guarded key/value storage: localStorage when it works, memory when it is blocked, full or throws.

// Holds only what storage refused (cookies blocked, Safari private mode, quota), so the page keeps working.
const memory: Record<string, string | undefined> = {};

export function read(key: string): string | undefined {
  try {
    return localStorage.getItem(key) ?? memory[key];
  } catch {
    return memory[key];
  }
}

/** Writes a value; no value removes the key. */
export function write(key: string, value?: string): void {
  try {
    value == null ? localStorage.removeItem(key) : localStorage.setItem(key, value);
    delete memory[key];
  } catch {
    memory[key] = value;
  }
}
