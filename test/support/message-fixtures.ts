/** Loads the golden message fixtures in test/fixtures/messages. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface MessageFixture {
  file: string;
  description: string;
  producer: string;
  body: string;
  decoded: Record<string, unknown>;
  input?: unknown;
  id?: string;
  requestedAt?: string;
}

const DIR = join(import.meta.dirname, '..', 'fixtures', 'messages');

/** Every fixture whose file name starts with `prefix`. */
export function messageFixtures(prefix = ''): MessageFixture[] {
  return readdirSync(DIR)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.json'))
    .sort()
    .map((file) => ({
      file,
      ...(JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Omit<MessageFixture, 'file'>),
    }));
}

export function messageFixture(file: string): MessageFixture {
  const f = messageFixtures().find((x) => x.file === file);
  if (!f) throw new Error(`no fixture ${file}`);
  return f;
}
