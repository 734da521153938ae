/** Builds the web console into dist/console-assets/console/; resolves to that directory. */
export function buildConsole(): Promise<string>;
