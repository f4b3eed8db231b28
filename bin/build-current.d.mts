// Types of build-current.mjs, for the bench (TypeScript).
export declare const built: URL;
export declare function buildIsCurrent(): boolean;
