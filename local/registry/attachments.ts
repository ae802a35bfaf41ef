/**
 * A many-to-many index between "left" names (policy or thing) and "right" names
 * (principal ARNs), kept in memory beside the durable attachment journals so
 * lookups in both directions are O(1) on the broker's hot path.
 */
export class AttachmentIndex {
  private readonly byLeft = new Map<string, Set<string>>();
  private readonly byRight = new Map<string, Set<string>>();

  has(left: string, right: string): boolean {
    return this.byLeft.get(left)?.has(right) ?? false;
  }

  add(left: string, right: string): void {
    addTo(this.byLeft, left, right);
    addTo(this.byRight, right, left);
  }

  /** Returns false when the pair was not present. */
  remove(left: string, right: string): boolean {
    if (!this.has(left, right)) return false;
    removeFrom(this.byLeft, left, right);
    removeFrom(this.byRight, right, left);
    return true;
  }

  /** Right names attached to `left`, sorted. */
  rightsOf(left: string): string[] {
    return [...(this.byLeft.get(left) ?? [])].sort();
  }

  /** Left names attached to `right`, sorted. */
  leftsOf(right: string): string[] {
    return [...(this.byRight.get(right) ?? [])].sort();
  }
}

function addTo(m: Map<string, Set<string>>, k: string, v: string): void {
  let s = m.get(k);
  if (!s) {
    s = new Set();
    m.set(k, s);
  }
  s.add(v);
}

function removeFrom(m: Map<string, Set<string>>, k: string, v: string): void {
  const s = m.get(k);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) m.delete(k);
}
