// Electron's entry: registers the TypeScript loader (as bin/claims.mjs does) and starts main.ts.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
