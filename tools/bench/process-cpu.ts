import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

/**
 * CPU time of the processes a benchmark involves, from Linux's /proc: what each of them used
 * between two snapshots, and that per ticket. /proc rather than each process's own counters,
 * because the broker and PostgreSQL are not ours to instrument and the same source for all of
 * them keeps the figures comparable.
 */

/** The fields of /proc/<pid>/stat (or of one thread, /proc/<pid>/task/<tid>/stat) CPU accounting needs. */
export interface ProcStat {
  readonly pid: number;
  /** The executable's name, or a thread's name, cut to 15 characters by the kernel. */
  readonly comm: string;
  readonly ppid: number;
  /** Clock ticks in user and kernel mode: for a process, all its threads, ended ones included. */
  readonly utime: number;
  readonly stime: number;
  /** Clock ticks of its children that ended and were waited for (and of theirs). */
  readonly cutime: number;
  readonly cstime: number;
}

/**
 * Parses one stat line (proc(5)). The name sits between the first `(` and the last `)`, since it
 * may itself hold spaces and parentheses; the numbered fields follow it.
 */
export function parseProcStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`not a /proc stat line: ${text.slice(0, 80)}`);
  const fields = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  // proc(5) numbers the fields from 1 with the pid and the name as 1 and 2: field 3 is fields[0].
  const field = (number: number): number => {
    const value = Number(fields[number - 3]);
    if (!Number.isFinite(value)) throw new Error(`field ${number} missing from the /proc stat line: ${text}`);
    return value;
  };
  const pid = Number(text.slice(0, open).trim());
  if (!Number.isInteger(pid)) throw new Error(`no pid in the /proc stat line: ${text.slice(0, 80)}`);
  return {
    pid,
    comm: text.slice(open + 1, close),
    ppid: field(4),
    utime: field(14),
    stime: field(15),
    cutime: field(16),
    cstime: field(17),
  };
}

/**
 * Clock ticks per second of the /proc times: `getconf CLK_TCK`, else 100, the USER_HZ the kernel
 * exposes on the usual Linux architectures whatever its internal tick rate.
 */
export function clockTicksPerSecond(): number {
  const result = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5_000 });
  const value = Number((result.stdout ?? '').trim());
  return Number.isInteger(value) && value > 0 ? value : 100;
}

/** Reads /proc, or a copy of its layout elsewhere (tests). A process that ends while it is read is skipped. */
export class ProcFs {
  constructor(private readonly root = '/proc') {}

  stat(pid: number): ProcStat | undefined {
    return this.readStat(join(this.root, String(pid), 'stat'));
  }

  /** One entry per thread of the process, named as the process named each thread. */
  threads(pid: number): ProcStat[] {
    return this.numericEntries(join(this.root, String(pid), 'task')).flatMap((tid) => {
      const stat = this.readStat(join(this.root, String(pid), 'task', String(tid), 'stat'));
      return stat ? [stat] : [];
    });
  }

  /** Every process. */
  processes(): ProcStat[] {
    return this.numericEntries(this.root).flatMap((pid) => {
      const stat = this.stat(pid);
      return stat ? [stat] : [];
    });
  }

  /** The command line, its arguments joined by spaces. */
  commandLine(pid: number): string | undefined {
    try {
      return readFileSync(join(this.root, String(pid), 'cmdline'), 'utf8')
        .split('\0')
        .join(' ')
        .trim();
    } catch {
      return undefined;
    }
  }

  /** Processes whose command line holds every fragment, in pid order. */
  findByCommandLine(fragments: readonly string[]): number[] {
    return this.numericEntries(this.root).filter((pid) => {
      const commandLine = this.commandLine(pid);
      return commandLine !== undefined && fragments.every((fragment) => commandLine.includes(fragment));
    });
  }

  private readStat(file: string): ProcStat | undefined {
    try {
      return parseProcStat(readFileSync(file, 'utf8'));
    } catch {
      // Ended between the listing and the read (no file, or an empty one).
      return undefined;
    }
  }

  private numericEntries(folder: string): number[] {
    try {
      return readdirSync(folder)
        .filter((entry) => /^\d+$/.test(entry))
        .map(Number)
        .sort((left, right) => left - right);
    } catch {
      return [];
    }
  }
}

/**
 * CPU time of a set of processes or threads at one moment, in clock ticks, by unit: a pid, a tid,
 * or a parent's counter of the children it reaped.
 */
export interface CpuReading {
  readonly ticks: ReadonlyMap<string, number>;
  /**
   * Whether the time of a unit that ends stays in the reading: a process's own counters keep its
   * ended threads', a parent's reaped-children counter its ended children's. Then the difference of
   * the sums is exact. Threads read one by one do not: one that ends takes its time with it.
   */
  readonly keepsEnded: boolean;
}

/**
 * Ticks used between two readings of the same processes or threads. A unit that is new in `end`
 * started in between: all its time counts. Where ended units are not kept, their time since `start`
 * is lost, so the result is a lower bound.
 */
export function ticksBetween(start: CpuReading, end: CpuReading): number {
  if (end.keepsEnded) return sum(end.ticks.values()) - sum(start.ticks.values());
  let used = 0;
  for (const [unit, ticks] of end.ticks) used += ticks - (start.ticks.get(unit) ?? 0);
  return used;
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

/** A process, or a group of processes or threads, whose CPU time a benchmark reports. */
export interface CpuSubject {
  readonly name: string;
  /** The subject this one is part of: reported on its own, never added to the total twice. */
  readonly partOf?: string;
  /** Which processes these are and how they were found, for the result file. */
  readonly description: string;
  /** Undefined when none of its processes can be read (ended, or not on this machine). */
  read(proc: ProcFs): CpuReading | undefined;
}

/** One process, all its threads. */
export function processCpu(name: string, pid: number, description: string, partOf?: string): CpuSubject {
  return {
    name,
    description,
    ...(partOf === undefined ? {} : { partOf }),
    read: (proc) => {
      const stat = proc.stat(pid);
      return stat && { ticks: new Map([[String(pid), stat.utime + stat.stime]]), keepsEnded: true };
    },
  };
}

/**
 * Server processes and their children, as PostgreSQL runs (a postmaster forks every backend and
 * worker): the live ones, plus what the roots' ended children used, so that a short-lived worker or
 * connection that comes and goes between two snapshots is counted too.
 */
export function processTreeCpu(name: string, rootPids: readonly number[], description: string): CpuSubject {
  const roots = new Set(rootPids);
  return {
    name,
    description,
    read: (proc) => {
      const ticks = new Map<string, number>();
      for (const stat of proc.processes()) {
        if (roots.has(stat.pid)) ticks.set(`reaped:${stat.pid}`, stat.cutime + stat.cstime);
        if (roots.has(stat.pid) || roots.has(stat.ppid)) ticks.set(String(stat.pid), stat.utime + stat.stime);
      }
      return [...roots].some((pid) => ticks.has(String(pid))) ? { ticks, keepsEnded: true } : undefined;
    },
  };
}

/** The threads of a process whose name matches, e.g. a JVM's JIT compiler threads. */
export function threadsCpu(
  name: string,
  pid: number,
  threadName: RegExp,
  description: string,
  partOf?: string,
): CpuSubject {
  return {
    name,
    description,
    ...(partOf === undefined ? {} : { partOf }),
    read: (proc) => {
      if (!proc.stat(pid)) return undefined;
      const ticks = new Map(
        proc
          .threads(pid)
          .filter((thread) => threadName.test(thread.comm))
          .map((thread) => [String(thread.pid), thread.utime + thread.stime] as const),
      );
      return { ticks, keepsEnded: false };
    },
  };
}

/** The postmaster of a PostgreSQL backend running here: its parent, when both are `postgres` processes. */
export function postmasterOf(proc: ProcFs, backendPid: number): number | undefined {
  const backend = proc.stat(backendPid);
  if (backend?.comm !== 'postgres') return undefined;
  return proc.stat(backend.ppid)?.comm === 'postgres' ? backend.ppid : undefined;
}

/** Every PostgreSQL server running here: the `postgres` processes whose parent is not one. */
export function postmasters(proc: ProcFs): number[] {
  const all = proc.processes();
  const postgres = new Set(all.filter((stat) => stat.comm === 'postgres').map((stat) => stat.pid));
  return all.filter((stat) => postgres.has(stat.pid) && !postgres.has(stat.ppid)).map((stat) => stat.pid);
}

/** Every subject's reading at one moment, with the whole machine's busy time next to them. */
export interface CpuSnapshot {
  readonly atMs: number;
  readonly readings: ReadonlyMap<string, CpuReading | undefined>;
  /** All cores' busy time so far, in ms, from every process of the machine (os.cpus()). */
  readonly machineBusyMs: number;
}

export class CpuSampler {
  readonly ticksPerSecond: number;

  constructor(
    readonly subjects: readonly CpuSubject[],
    private readonly proc = new ProcFs(),
    ticksPerSecond?: number,
  ) {
    this.ticksPerSecond = ticksPerSecond ?? clockTicksPerSecond();
  }

  snapshot(): CpuSnapshot {
    const readings = new Map(this.subjects.map((subject) => [subject.name, subject.read(this.proc)] as const));
    return { atMs: Date.now(), readings, machineBusyMs: machineBusyMs() };
  }

  /** What the subjects used between two snapshots, per ticket of the phase they enclose. */
  phase(phase: string, tickets: number, start: CpuSnapshot, end: CpuSnapshot): PhaseCpu {
    return phaseCpu(phase, tickets, this.subjects, this.usedMs(start, end), {
      seconds: (end.atMs - start.atMs) / 1000,
      machineBusyMs: end.machineBusyMs - start.machineBusyMs,
    });
  }

  /** What each subject used between two snapshots, in ms of CPU; null where one of them lacks a reading. */
  usedMs(start: CpuSnapshot, end: CpuSnapshot): Map<string, number | null> {
    return new Map(
      this.subjects.map((subject) => {
        const before = start.readings.get(subject.name);
        const after = end.readings.get(subject.name);
        return [
          subject.name,
          before && after ? (ticksBetween(before, after) * 1000) / this.ticksPerSecond : null,
        ] as const;
      }),
    );
  }
}

function machineBusyMs(): number {
  return cpus().reduce((busy, cpu) => busy + cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.irq, 0);
}

/** One subject's share of a phase. */
export interface ProcessCpuUse {
  readonly name: string;
  readonly partOf: string | null;
  /** Null when it could not be measured. */
  readonly cpuMs: number | null;
  readonly msPerTicket: number | null;
  readonly cores: number | null;
}

/** CPU used by the processes of a benchmark during one phase, in total and per ticket. */
export interface PhaseCpu {
  readonly phase: string;
  readonly tickets: number;
  readonly seconds: number;
  /** Cores the measured processes used on average (parts not counted twice). */
  readonly coresUsed: number;
  /** Cores the whole machine was busy on average: what no subject accounts for shows up as the gap. */
  readonly machineCoresBusy: number;
  readonly processes: readonly ProcessCpuUse[];
  /** ms of CPU per ticket of the measured processes (parts not counted twice). */
  readonly totalMsPerTicket: number;
}

/** Per ticket and per second: `usedMs` by subject name, in the order of `subjects`. */
export function phaseCpu(
  phase: string,
  tickets: number,
  subjects: readonly Pick<CpuSubject, 'name' | 'partOf'>[],
  usedMs: ReadonlyMap<string, number | null>,
  window: { readonly seconds: number; readonly machineBusyMs: number },
): PhaseCpu {
  const uses = subjects.map((subject): ProcessCpuUse => {
    const cpuMs = usedMs.get(subject.name) ?? null;
    return {
      name: subject.name,
      partOf: subject.partOf ?? null,
      cpuMs,
      msPerTicket: cpuMs === null || tickets === 0 ? null : cpuMs / tickets,
      cores: cpuMs === null || window.seconds === 0 ? null : cpuMs / 1000 / window.seconds,
    };
  });
  const totalMs = uses.filter((use) => use.partOf === null).reduce((total, use) => total + (use.cpuMs ?? 0), 0);
  return {
    phase,
    tickets,
    seconds: window.seconds,
    coresUsed: window.seconds === 0 ? 0 : totalMs / 1000 / window.seconds,
    machineCoresBusy: window.seconds === 0 ? 0 : window.machineBusyMs / 1000 / window.seconds,
    processes: uses,
    totalMsPerTicket: tickets === 0 ? 0 : totalMs / tickets,
  };
}

/** Table rows: one per phase, ms of CPU per ticket by process (a part named with what it is part of). */
export function cpuTableRows(phases: readonly PhaseCpu[]): Record<string, string>[] {
  return phases.map((phase) => {
    const row: Record<string, string> = {
      phase: phase.phase,
      tickets: String(phase.tickets),
      seconds: phase.seconds.toFixed(1),
      'cores used': phase.coresUsed.toFixed(2),
      'machine busy': phase.machineCoresBusy.toFixed(2),
    };
    for (const use of phase.processes) {
      const column = use.partOf === null ? use.name : `(${use.name} in ${use.partOf})`;
      row[column] = use.msPerTicket === null ? 'n/a' : use.msPerTicket.toFixed(3);
    }
    row['total ms/ticket'] = phase.totalMsPerTicket.toFixed(3);
    return row;
  });
}
