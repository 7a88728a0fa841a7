/** A trie over code points: longest and all-prefix matches of pieces at a position. */
interface Node {
  readonly children: Map<string, Node>
  id: number
}

export class CharTrie {
  private readonly root: Node = { children: new Map(), id: -1 }
  size = 0

  insert(piece: string, id: number): void {
    let n = this.root
    for (const ch of piece) {
      let next = n.children.get(ch)
      if (next === undefined) n.children.set(ch, (next = { children: new Map(), id: -1 }))
      n = next
    }
    if (n.id < 0) {
      n.id = id
      this.size++
    }
  }

  /** calls `f(id, length)` for every piece that starts at `chars[start]`, shortest first */
  forEachPrefix(chars: ReadonlyArray<string>, start: number, f: (id: number, length: number) => void): void {
    let n: Node | undefined = this.root
    for (let j = start; j < chars.length; j++) {
      n = n.children.get(chars[j])
      if (n === undefined) return
      if (n.id >= 0) f(n.id, j - start + 1)
    }
  }

  longestMatch(chars: ReadonlyArray<string>, start: number): { id: number; length: number } | undefined {
    if (this.size === 0) return undefined
    let best: { id: number; length: number } | undefined
    this.forEachPrefix(chars, start, (id, length) => (best = { id, length }))
    return best
  }
}
