// Finds any of many words in one pass over the text (Aho–Corasick): the automaton is built once
// per word list, and each message costs one step per character however long the list is.

interface Node {
  next: Map<string, number>;
  fail: number;
  /** The longest word ending here (directly or through fail links), or null. */
  word: string | null;
}

export class WordMatcher {
  private readonly nodes: Node[] = [{ next: new Map(), fail: 0, word: null }];

  constructor(words: Iterable<string>) {
    for (const word of words) if (word !== "") this.add(word);
    this.link();
  }

  private add(word: string): void {
    let at = 0;
    for (const ch of word) {
      let to = this.nodes[at].next.get(ch);
      if (to === undefined) {
        to = this.nodes.push({ next: new Map(), fail: 0, word: null }) - 1;
        this.nodes[at].next.set(ch, to);
      }
      at = to;
    }
    this.nodes[at].word = word;
  }

  /** Breadth-first fail links, so a mismatch falls back to the longest suffix that is a prefix. */
  private link(): void {
    const queue: number[] = [...this.nodes[0].next.values()];
    for (let head = 0; head < queue.length; head++) {
      const from = this.nodes[queue[head]];
      for (const [ch, to] of from.next) {
        let fail = from.fail;
        while (fail !== 0 && !this.nodes[fail].next.has(ch)) fail = this.nodes[fail].fail;
        const target = this.nodes[fail].next.get(ch);
        this.nodes[to].fail = target !== undefined && target !== to ? target : 0;
        this.nodes[to].word ??= this.nodes[this.nodes[to].fail].word;
        queue.push(to);
      }
    }
  }

  /** The first word (by where it ends) found in `text`, or null. */
  find(text: string): string | null {
    let at = 0;
    for (const ch of text) {
      while (at !== 0 && !this.nodes[at].next.has(ch)) at = this.nodes[at].fail;
      at = this.nodes[at].next.get(ch) ?? 0;
      const word = this.nodes[at].word;
      if (word !== null) return word;
    }
    return null;
  }
}
