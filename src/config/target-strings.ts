/** Parsing of `<account>/<prefix>` and `<account>/<container>` strings with the reference's messages (§7.1). */
import { ConfigError } from '../errors.js';
import { redactSecrets } from '../log.js';

const EXAMPLE = { prefix: 'mystorageaccount/MyProject', container: 'mystorageaccount/my-container' };

/**
 * Split `<account>/<second>` on the LAST `/`. URLs and connection strings (`://`, `;`, `=`) are refused:
 * a connection string for the state account belongs in jobq.yaml's `connection.storage`.
 */
export function splitPair(value: string, origin: string, second: 'prefix' | 'container'): [string, string] {
  const v = value.trim();
  const shown = redactSecrets(v);
  if (v.includes('://') || v.includes(';') || v.includes('=')) {
    throw new ConfigError(
      `${origin} cannot be a URL or connection string (got '${shown}'). Expected <account>/<${second}>, for example ` +
        `${EXAMPLE[second]}; a connection string for the state account goes in the 'connection.storage' key of jobq.yaml.`,
    );
  }
  const slash = v.lastIndexOf('/');
  if (slash < 0) {
    throw new ConfigError(
      `Missing ${second} in '${shown}' (${origin}). Expected <account>/<${second}>, for example ${EXAMPLE[second]}.`,
    );
  }
  const account = v.slice(0, slash).trim();
  const rest = v.slice(slash + 1).trim();
  if (!account || !rest) {
    throw new ConfigError(
      `Invalid <account>/<${second}>: '${shown}' (${origin}). Both segments must be non-empty.`,
    );
  }
  return [account, rest];
}

/**
 * A prefix names a table (`<prefix>WorkflowsIndex`: letters/digits, starts with a letter, ≤ 63) and
 * containers/queues when lowercased (`<prefix>-workflow-completions` ≤ 63), so: letter + ≤ 41 alphanumerics.
 */
export function checkPrefix(prefix: string): void {
  if (!/^[A-Za-z][A-Za-z0-9]{0,41}$/.test(prefix)) {
    throw new ConfigError(
      `Invalid prefix '${prefix}': use 1-42 letters and digits starting with a letter (it names the table ` +
        `${prefix}WorkflowsIndex and the containers ${prefix.toLowerCase()}-workflows and ${prefix.toLowerCase()}-outputs).`,
    );
  }
}

/** Azure container names: 3-63 lowercase letters, digits and single hyphens, starting and ending alphanumeric. */
export function checkContainerName(name: string, origin: string): void {
  if (!/^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/.test(name)) {
    throw new ConfigError(
      `Invalid container '${name}' (${origin}): use 3-63 lowercase letters, digits and single hyphens, starting with a letter or digit.`,
    );
  }
}
