#!/usr/bin/env node
// The `ksvc` command: runs the TypeScript sources through tsx's loader.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
