/**
 * A trie of MQTT topic filters for in-process observers (BrokerBus.onPublish):
 * matching a topic costs O(levels), independent of the number of filters.
 * Wildcards follow MQTT 3.1.1 §4.7: `+` matches one level, `#` the rest (and the
 * parent level), and a filter starting with a wildcard does not match topics
 * beginning with `$` [MQTT-4.7.2-1].
 */
export class TopicTrie<V> {
  private readonly root = new TrieNode<V>();
  private count = 0;
  private nodes = 0;

  get size(): number {
    return this.count;
  }

  /** Nodes below the root: a removed filter's levels go when no other filter uses them. */
  get nodeCount(): number {
    return this.nodes;
  }

  /** Adds a value under a filter; returns a function that removes exactly that entry. */
  add(filter: string, value: V): () => void {
    let node = this.root;
    for (const level of filter.split('/')) {
      let child = node.children.get(level);
      if (!child) {
        child = new TrieNode<V>(node, level);
        node.children.set(level, child);
        this.nodes++;
      }
      node = child;
    }
    const entry = { value };
    node.values.add(entry);
    this.count++;
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      node.values.delete(entry);
      this.count--;
      this.prune(node);
    };
  }

  /** Drops `node` and its ancestors while they hold no value and no child, deepest first. */
  private prune(node: TrieNode<V>): void {
    for (let n = node; n.parent !== undefined && n.values.size === 0 && n.children.size === 0; n = n.parent) {
      n.parent.children.delete(n.level);
      this.nodes--;
    }
  }

  /** Every value whose filter matches `topic` (a value added twice appears twice). */
  match(topic: string): V[] {
    const out: V[] = [];
    if (this.count === 0) return out;
    const levels = topic.split('/');
    const dollar = topic.charCodeAt(0) === 36;
    this.walk(this.root, levels, 0, dollar, out);
    return out;
  }

  /**
   * True when some filter matches `topic`, without collecting the values. With
   * `wildcardsMatchDollar` a leading wildcard also matches `$` topics, as qlobber
   * (aedes' matcher) does: the conservative answer when mirroring aedes' routing.
   */
  has(topic: string, options: { wildcardsMatchDollar?: boolean } = {}): boolean {
    if (this.count === 0) return false;
    const dollar = options.wildcardsMatchDollar !== true && topic.charCodeAt(0) === 36;
    return this.some(this.root, topic.split('/'), 0, dollar);
  }

  private some(node: TrieNode<V>, levels: string[], i: number, dollar: boolean): boolean {
    const wildOk = !(dollar && i === 0);
    if (wildOk && (node.children.get('#')?.values.size ?? 0) > 0) return true;
    if (i === levels.length) return node.values.size > 0;
    const exact = node.children.get(levels[i] as string);
    if (exact && this.some(exact, levels, i + 1, dollar)) return true;
    const plus = wildOk ? node.children.get('+') : undefined;
    return plus !== undefined && this.some(plus, levels, i + 1, dollar);
  }

  private walk(node: TrieNode<V>, levels: string[], i: number, dollar: boolean, out: V[]): void {
    const wildOk = !(dollar && i === 0);
    if (wildOk) {
      const hash = node.children.get('#');
      if (hash) for (const e of hash.values) out.push(e.value);
    }
    if (i === levels.length) {
      for (const e of node.values) out.push(e.value);
      return;
    }
    const level = levels[i] as string;
    const exact = node.children.get(level);
    if (exact) this.walk(exact, levels, i + 1, dollar, out);
    if (wildOk) {
      const plus = node.children.get('+');
      if (plus) this.walk(plus, levels, i + 1, dollar, out);
    }
  }
}

class TrieNode<V> {
  readonly children = new Map<string, TrieNode<V>>();
  readonly values = new Set<{ value: V }>();

  /** `parent` and `level` (its key there) let a removal prune upwards; the root has neither. */
  constructor(
    readonly parent?: TrieNode<V>,
    readonly level = '',
  ) {}
}
