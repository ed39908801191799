import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The worker's import graph (type imports too): no cycle among its modules, and the lower floors
// (media, platform, moderation, db, lib) never reach up into the objects (room, lobby).

const root = fileURLToPath(new URL("../..", import.meta.url));
const LOWER = ["media", "platform", "moderation", "db", "lib"];
const OBJECTS = ["room", "lobby"];

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** File → the worker files it imports (relative specifiers only; packages are outside the graph). */
function importGraph(): Map<string, string[]> {
  const specifier = /(?:\bfrom\s*|\bimport\s*\(?\s*)["'](\.{1,2}\/[^"']+)["']/g;
  const graph = new Map<string, string[]>();
  for (const file of tsFiles(join(root, "worker"))) {
    const targets: string[] = [];
    for (const [, spec] of readFileSync(file, "utf8").matchAll(specifier)) {
      const base = normalize(join(dirname(file), spec!));
      const target = [`${base}.ts`, base, join(base, "index.ts")].find((f) => f.endsWith(".ts") && existsSync(f));
      if (target) targets.push(target);
    }
    graph.set(file, targets);
  }
  return graph;
}

/** Strongly connected groups of more than one file, or a file importing itself (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      group.push(relative(root, w));
    } while (w !== v);
    if (group.length > 1 || graph.get(v)!.includes(v)) found.push(group.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

const floor = (file: string) => relative(join(root, "worker"), file).split(/[\\/]/)[0]!;

describe("the worker's import graph", () => {
  const graph = importGraph();

  it("sees the worker's files and their imports", () => {
    // A broken pattern would see no edges and pass everything below.
    expect(graph.get(join(root, "worker/room/room.ts"))).toContain(join(root, "worker/room/store.ts"));
  });

  it("has no cycle", () => {
    expect(cycles(graph)).toEqual([]);
  });

  it("has no upward import from media, platform, moderation, db or lib into room or lobby", () => {
    const upward = [...graph].flatMap(([file, targets]) =>
      LOWER.includes(floor(file)) ? targets.filter((t) => OBJECTS.includes(floor(t))).map((t) => `${relative(root, file)} → ${relative(root, t)}`) : [],
    );
    expect(upward).toEqual([]);
  });
});
