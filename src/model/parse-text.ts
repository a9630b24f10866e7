/** `parseDefinitionText`: definition text in memory → a parsed definition (YAML or JSON by name). */
import { definitionFromText, isYamlSource } from './load.js';
import type { WorkflowDefinition } from './types.js';
import { parseYamlDocument } from './yaml.js';

/** Parse definition text: YAML when `source` ends `.yaml`/`.yml`, JSON otherwise (reference §1.1). */
export function parseDefinitionText(text: string, source: string): WorkflowDefinition {
  return definitionFromText(text, source, isYamlSource(source) ? parseYamlDocument : null);
}
