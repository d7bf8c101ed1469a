#!/usr/bin/env node
// Entry point of the `claims` CLI: runs the TypeScript sources through tsx's loader.
import { register } from 'tsx/esm/api';

// The AWS SDK warns at every start that its releases after January 2027 will need Node 22; the
// versions this project pins run on Node 20.19+, so the warning tells a user of the CLI nothing.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
await import('../pipeline/cli/main.ts');
