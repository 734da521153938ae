/**
 * Methods of Go's `time.Time` on the event's times (`evt.Time.Hour()`,
 * `evt.Time.Weekday().String()`), as expr calls them on the Go value (by reflection, in both
 * dialects). A JS `Date` has no location: the methods read it in UTC, where Go reads the time in
 * the location it was parsed with (an offset in the log line shifts `Hour()` there). `Month()`
 * and `Weekday()` give Go's named integers: an object whose `String()` is Go's name and whose
 * value compares as the number.
 */
import { GO_MONTHS, GO_WEEKDAYS } from "../../shared/go-calendar.js";

/** A Go named integer type (`time.Weekday`, `time.Month`): `String()` and its number. */
export class GoNamedInt {
  constructor(
    readonly value: number,
    private readonly name: string,
  ) {}

  String(): string {
    return this.name;
  }

  valueOf(): number {
    return this.value;
  }
}

const METHODS: Record<string, (this: Date) => unknown> = {
  Hour() {
    return this.getUTCHours();
  },
  Minute() {
    return this.getUTCMinutes();
  },
  Second() {
    return this.getUTCSeconds();
  },
  Nanosecond() {
    return this.getUTCMilliseconds() * 1_000_000;
  },
  Day() {
    return this.getUTCDate();
  },
  Year() {
    return this.getUTCFullYear();
  },
  YearDay() {
    const start = Date.UTC(this.getUTCFullYear(), 0, 1);
    return Math.floor((this.getTime() - start) / 86_400_000) + 1;
  },
  Month() {
    return new GoNamedInt(this.getUTCMonth() + 1, GO_MONTHS[this.getUTCMonth()]!);
  },
  Weekday() {
    return new GoNamedInt(this.getUTCDay(), GO_WEEKDAYS[this.getUTCDay()]!);
  },
  Unix() {
    return Math.floor(this.getTime() / 1000);
  },
  UnixMilli() {
    return this.getTime();
  },
  IsZero() {
    // Go's zero time is year 1; the engine's "no time yet" is the epoch (event.ts isZeroTime).
    return this.getTime() === 0;
  },
  UTC() {
    return this;
  },
};

/** The `time.Time` method `name`, or undefined when Go's type has none (or it is not reproduced). */
export function goTimeMethod(name: string): ((this: Date) => unknown) | undefined {
  return Object.hasOwn(METHODS, name) ? METHODS[name] : undefined;
}
