/** The YAML reader of definitions, in its own module so JSON definitions never load `yaml`. */
import { parse } from 'yaml';

/** Parse one YAML document as definitions are read: duplicate keys refused, at most 100 aliases. */
export function parseYamlDocument(text: string): unknown {
  return parse(text, { maxAliasCount: 100, uniqueKeys: true });
}
