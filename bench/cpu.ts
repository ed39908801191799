// The server's CPU time and memory, from the OS: user + system time of every process in a process
// group (wrangler and workerd for `npm run dev`), read from /proc before and after a run. Linux only;
// elsewhere the figures are null and the reports say so.
import { readdirSync, readFileSync } from "node:fs";

/** Linux's USER_HZ: /proc reports times in these ticks (100 on every common build). */
const TICKS_PER_SECOND = 100;

interface Proc {
  pid: number;
  pgrp: number;
  comm: string;
  cpuSeconds: number;
}

function readProc(pid: number): Proc | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // comm may hold spaces and parentheses: the fields after it start at the last ")".
    const close = stat.lastIndexOf(")");
    const comm = stat.slice(stat.indexOf("(") + 1, close);
    const fields = stat.slice(close + 2).split(" ");
    // fields[0] is field 3 (state): pgrp is field 5, utime 14, stime 15.
    return { pid, pgrp: Number(fields[2]), comm, cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND };
  } catch {
    return null; // gone meanwhile
  }
}

function groupMembers(pgid: number): Proc[] {
  let pids: number[];
  try {
    pids = readdirSync("/proc").filter((n) => /^\d+$/.test(n)).map(Number);
  } catch {
    return [];
  }
  return pids.map(readProc).filter((p): p is Proc => p !== null && p.pgrp === pgid);
}

/** CPU seconds (user + system) used so far by the live processes of group `pgid`, or null off Linux. */
export function groupCpuSeconds(pgid: number | undefined): number | null {
  if (pgid === undefined || process.platform !== "linux") return null;
  return groupMembers(pgid).reduce((s, p) => s + p.cpuSeconds, 0);
}

/** Resident memory (MiB) of the group's workerd processes, or null. */
export function workerdRssMiB(pgid: number | undefined): number | null {
  if (pgid === undefined || process.platform !== "linux") return null;
  let kib = 0;
  for (const p of groupMembers(pgid).filter((m) => m.comm.startsWith("workerd"))) {
    try {
      const line = readFileSync(`/proc/${p.pid}/status`, "utf8").match(/^VmRSS:\s+(\d+)/m);
      if (line) kib += Number(line[1]);
    } catch {
      // gone meanwhile
    }
  }
  return kib / 1024;
}

/** Runs `fn` and returns its result with the group's CPU seconds spent meanwhile (null off Linux). */
export async function withCpu<T>(pgid: number | undefined, fn: () => Promise<T>): Promise<{ value: T; cpuSeconds: number | null }> {
  const before = groupCpuSeconds(pgid);
  const value = await fn();
  const after = groupCpuSeconds(pgid);
  return { value, cpuSeconds: before === null || after === null ? null : Math.max(0, after - before) };
}
