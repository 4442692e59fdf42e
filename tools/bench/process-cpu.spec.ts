import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CpuSampler,
  ProcFs,
  cpuTableRows,
  parseProcStat,
  phaseCpu,
  postmasterOf,
  postmasters,
  processCpu,
  processTreeCpu,
  threadsCpu,
  ticksBetween,
} from './process-cpu.js';

/** A stat line as the kernel writes it (52 fields), with the accounting fields set. */
function statLine(
  pid: number,
  comm: string,
  times: { ppid?: number; utime?: number; stime?: number; cutime?: number; cstime?: number } = {},
): string {
  const fields = Array.from({ length: 50 }, () => '0');
  fields[0] = 'S';
  fields[1] = String(times.ppid ?? 1);
  fields[11] = String(times.utime ?? 0);
  fields[12] = String(times.stime ?? 0);
  fields[13] = String(times.cutime ?? 0);
  fields[14] = String(times.cstime ?? 0);
  return `${pid} (${comm}) ${fields.join(' ')}\n`;
}

/** A throwaway folder laid out as /proc. */
class FakeProc {
  readonly root = mkdtempSync(join(tmpdir(), 'fake-proc-'));

  process(pid: number, comm: string, times: Parameters<typeof statLine>[2] = {}, commandLine = comm): this {
    mkdirSync(join(this.root, String(pid)), { recursive: true });
    writeFileSync(join(this.root, String(pid), 'stat'), statLine(pid, comm, times));
    writeFileSync(join(this.root, String(pid), 'cmdline'), `${commandLine.split(' ').join('\0')}\0`);
    return this;
  }

  thread(pid: number, tid: number, comm: string, times: Parameters<typeof statLine>[2] = {}): this {
    mkdirSync(join(this.root, String(pid), 'task', String(tid)), { recursive: true });
    writeFileSync(join(this.root, String(pid), 'task', String(tid), 'stat'), statLine(tid, comm, times));
    return this;
  }

  end(pid: number): this {
    rmSync(join(this.root, String(pid)), { recursive: true, force: true });
    return this;
  }

  endThread(pid: number, tid: number): this {
    rmSync(join(this.root, String(pid), 'task', String(tid)), { recursive: true, force: true });
    return this;
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

describe(parseProcStat.name, () => {
  it('reads the parent, own and reaped-children times of a real-looking line', () => {
    const sut = parseProcStat(statLine(4242, 'postgres', { ppid: 17, utime: 120, stime: 30, cutime: 7, cstime: 2 }));

    expect(sut).toEqual({ pid: 4242, comm: 'postgres', ppid: 17, utime: 120, stime: 30, cutime: 7, cstime: 2 });
  });

  it('keeps a name that holds spaces and parentheses whole', () => {
    const sut = parseProcStat(statLine(7, 'C2 CompilerThre', { utime: 5 }));
    const odd = parseProcStat(statLine(8, 'a) (b', { stime: 3 }));

    expect(sut.comm).toBe('C2 CompilerThre');
    expect(sut.utime).toBe(5);
    expect(odd.comm).toBe('a) (b');
    expect(odd.stime).toBe(3);
  });

  it('refuses a line that is not one', () => {
    expect(() => parseProcStat('')).toThrow('not a /proc stat line');
    expect(() => parseProcStat('12 (short) S 1 2')).toThrow('field 14 missing');
  });
});

describe(ticksBetween.name, () => {
  it('takes the difference of the sums where ended units keep their time', () => {
    // Unit 2 ended after 30 ticks (10 of them since the start), reaped by the parent.
    const start = {
      ticks: new Map([
        ['1', 100],
        ['2', 20],
        ['reaped:1', 0],
      ]),
      keepsEnded: true,
    };
    const end = {
      ticks: new Map([
        ['1', 150],
        ['3', 5],
        ['reaped:1', 30],
      ]),
      keepsEnded: true,
    };

    expect(ticksBetween(start, end)).toBe(50 + 10 + 5);
  });

  it('counts a new thread whole and an ended one not at all where ended units are lost', () => {
    const start = {
      ticks: new Map([
        ['10', 40],
        ['11', 70],
      ]),
      keepsEnded: false,
    };
    const end = {
      ticks: new Map([
        ['10', 45],
        ['12', 8],
      ]),
      keepsEnded: false,
    };

    expect(ticksBetween(start, end)).toBe(5 + 8);
  });
});

describe(ProcFs.name, () => {
  let proc: FakeProc;

  beforeEach(() => {
    proc = new FakeProc();
  });

  afterEach(() => {
    proc.remove();
  });

  it('finds processes by fragments of their command line', () => {
    proc
      .process(30, 'java', {}, 'java -Xmx1g kafka.Kafka /repo/.infra/test/kafka/server.properties')
      .process(31, 'java', {}, 'java kafka.Kafka /repo/.infra/dev/kafka/server.properties')
      .process(32, 'node', {}, 'node dist/apps/intake/src/main.js');
    const sut = new ProcFs(proc.root);

    expect(sut.findByCommandLine(['kafka.Kafka'])).toEqual([30, 31]);
    expect(sut.findByCommandLine(['kafka.Kafka', '/repo/.infra/test/'])).toEqual([30]);
  });

  it('tells the postmaster of a local backend, and every postmaster of the machine', () => {
    proc
      .process(1, 'systemd')
      .process(100, 'postgres', { ppid: 1 })
      .process(101, 'postgres', { ppid: 100 })
      .process(200, 'postgres', { ppid: 1 })
      .process(300, 'node', { ppid: 1 });
    const sut = new ProcFs(proc.root);

    expect(postmasterOf(sut, 101)).toBe(100);
    expect(postmasterOf(sut, 300)).toBeUndefined();
    expect(postmasterOf(sut, 999)).toBeUndefined();
    expect(postmasters(sut)).toEqual([100, 200]);
  });
});

describe(CpuSampler.name, () => {
  let proc: FakeProc;

  beforeEach(() => {
    proc = new FakeProc();
  });

  afterEach(() => {
    proc.remove();
  });

  it('charges a server its live children and the children that ended in between, not other processes', () => {
    proc
      .process(100, 'postgres', { ppid: 1, utime: 10 })
      .process(101, 'postgres', { ppid: 100, utime: 50, stime: 10 })
      .process(102, 'postgres', { ppid: 100, utime: 20 })
      .process(500, 'node', { ppid: 1, utime: 1_000 });
    const sut = new CpuSampler([processTreeCpu('PostgreSQL', [100], 'test')], new ProcFs(proc.root), 100);
    const start = sut.snapshot();
    // 102 ends after 5 more ticks, a parallel worker (103) comes and goes, 104 connects and stays.
    proc
      .end(102)
      .process(100, 'postgres', { ppid: 1, utime: 12, cutime: 25 + 4 })
      .process(101, 'postgres', { ppid: 100, utime: 80, stime: 10 })
      .process(104, 'postgres', { ppid: 100, utime: 6 })
      .process(500, 'node', { ppid: 1, utime: 9_000 });

    const used = sut.usedMs(start, sut.snapshot()).get('PostgreSQL');

    // (2 + 30 + 5 + 4 + 6) ticks of 10 ms.
    expect(used).toBe(470);
  });

  it('reads the compiler threads of a JVM apart, and reports a process that ended as not measured', () => {
    proc
      .process(30, 'java', { utime: 1_000 })
      .thread(30, 31, 'C2 CompilerThre', { utime: 100 })
      .thread(30, 32, 'C1 CompilerThre', { utime: 10 })
      .thread(30, 33, 'data-plane-kafk', { utime: 500 })
      .process(40, 'node', { utime: 70 });
    const sut = new CpuSampler(
      [
        processCpu('broker', 30, 'test'),
        threadsCpu('JIT', 30, /^C[12] CompilerThre/, 'test', 'broker'),
        processCpu('intake', 40, 'test'),
      ],
      new ProcFs(proc.root),
      100,
    );
    const start = sut.snapshot();
    proc
      .process(30, 'java', { utime: 1_300 })
      .thread(30, 31, 'C2 CompilerThre', { utime: 160 })
      .endThread(30, 32)
      .thread(30, 34, 'C2 CompilerThre', { utime: 15 })
      .end(40);

    const used = sut.usedMs(start, sut.snapshot());

    expect(used.get('broker')).toBe(3_000);
    expect(used.get('JIT')).toBe(750);
    expect(used.get('intake')).toBeNull();
  });
});

describe(phaseCpu.name, () => {
  const subjects = [{ name: 'broker' }, { name: 'JIT', partOf: 'broker' }, { name: 'PostgreSQL' }, { name: 'intake' }];

  it('gives ms per ticket and cores by process, and a total that counts a part once', () => {
    const used = new Map<string, number | null>([
      ['broker', 4_000],
      ['JIT', 1_000],
      ['PostgreSQL', 3_000],
      ['intake', 1_000],
    ]);

    const sut = phaseCpu('paced 500/s', 10_000, subjects, used, { seconds: 20, machineBusyMs: 36_000 });

    expect(sut.totalMsPerTicket).toBeCloseTo(0.8);
    expect(sut.coresUsed).toBeCloseTo(0.4);
    expect(sut.machineCoresBusy).toBeCloseTo(1.8);
    expect(sut.processes.find((use) => use.name === 'broker')).toEqual({
      name: 'broker',
      partOf: null,
      cpuMs: 4_000,
      msPerTicket: 0.4,
      cores: 0.2,
    });
    expect(sut.processes.find((use) => use.name === 'JIT')?.msPerTicket).toBeCloseTo(0.1);
  });

  it('leaves a process that could not be measured out of the total, as not measured', () => {
    const used = new Map<string, number | null>([
      ['broker', null],
      ['JIT', null],
      ['PostgreSQL', 2_000],
      ['intake', 500],
    ]);

    const sut = phaseCpu('burst', 5_000, subjects, used, { seconds: 4, machineBusyMs: 7_000 });
    const [row] = cpuTableRows([sut]);

    expect(sut.totalMsPerTicket).toBeCloseTo(0.5);
    expect(row).toEqual({
      phase: 'burst',
      tickets: '5000',
      seconds: '4.0',
      'cores used': '0.63',
      'machine busy': '1.75',
      broker: 'n/a',
      '(JIT in broker)': 'n/a',
      PostgreSQL: '0.400',
      intake: '0.100',
      'total ms/ticket': '0.500',
    });
  });
});
