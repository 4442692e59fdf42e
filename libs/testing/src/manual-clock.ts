/** A clock that moves only when a test moves it (shape of the services' injectable Clock). */
export class ManualClock {
  private current: number;

  constructor(start: Date | number = Date.now()) {
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(ms: number): Date {
    this.current += ms;
    return this.now();
  }

  set(at: Date): void {
    this.current = at.getTime();
  }
}
