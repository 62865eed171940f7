#!/usr/bin/env node
// Entry point of the `telepipe` CLI. The project runs its TypeScript sources directly
// through tsx's loader, so there is no build step between a clone and a running service.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
