// The cloud emulator of a workspace: start (idempotent), status, stop. See docs/cloud.md.
export { EmulatorError, emulatorStateDir, emulatorStatus, startEmulator, stopEmulator, type EmulatorStatus, type StartOptions } from './controller.ts';
export type { EmulatorEndpoints, EmulatorInfo, EmulatorServer, ServerName } from './record.ts';
