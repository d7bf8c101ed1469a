#!/usr/bin/env node
// Entry point of the `claims` CLI: runs the TypeScript sources through tsx's loader.
import { register } from 'tsx/esm/api';

register();
await import('../pipeline/cli/main.ts');
