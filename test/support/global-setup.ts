/**
 * Starts one in-memory Azurite for the whole test run on free loopback ports and exposes it to test
 * files through `inject('azurite')` and the BLOB_PORT/QUEUE_PORT/TABLE_PORT environment.
 */
import type { TestProject } from 'vitest/node';
import { startAzurite, type AzuritePorts } from '../../src/azurite/embedded.js';

declare module 'vitest' {
  export interface ProvidedContext {
    azurite: { host: string; ports: AzuritePorts; connectionString: string };
  }
}

export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const az = await startAzurite();
  project.provide('azurite', { host: az.host, ports: az.ports, connectionString: az.connectionString });
  Object.assign(process.env, az.env());
  return async () => {
    await az.stop();
  };
}
