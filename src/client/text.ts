/** `a, b, c (+k more)`. */
export function listWithMore(items: string[], shown = 3): string {
  const head = items.slice(0, shown).join(', ');
  return items.length > shown ? `${head} (+${items.length - shown} more)` : head;
}
