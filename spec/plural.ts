// How a count and its noun are written in every message Concord prints: "1 transaction",
// "2 transactions", "0 transactions". Invariant: the noun takes an "s" exactly when n is not 1.

export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
