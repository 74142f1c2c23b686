import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, formatGoDuration, goDurationError, parseDuration, parseGoDuration } from './duration.ts';

// The tables of Go's own time package (src/time/time_test.go, go1.26: parseDurationTests,
// parseDurationErrorTests, durationTests), transcribed: Go's constants as bigint nanoseconds.
const Nanosecond = 1n;
const Microsecond = 1000n * Nanosecond;
const Millisecond = 1000n * Microsecond;
const Second = 1000n * Millisecond;
const Minute = 60n * Second;
const Hour = 60n * Minute;
const MaxInt64 = (1n << 63n) - 1n;
const MinInt64 = -(1n << 63n);

const parseDurationTests: [string, bigint][] = [
  // simple
  ['0', 0n],
  ['5s', 5n * Second],
  ['30s', 30n * Second],
  ['1478s', 1478n * Second],
  // sign
  ['-5s', -5n * Second],
  ['+5s', 5n * Second],
  ['-0', 0n],
  ['+0', 0n],
  // decimal
  ['5.0s', 5n * Second],
  ['5.6s', 5n * Second + 600n * Millisecond],
  ['5.s', 5n * Second],
  ['.5s', 500n * Millisecond],
  ['1.0s', 1n * Second],
  ['1.00s', 1n * Second],
  ['1.004s', 1n * Second + 4n * Millisecond],
  ['1.0040s', 1n * Second + 4n * Millisecond],
  ['100.00100s', 100n * Second + 1n * Millisecond],
  // different units
  ['10ns', 10n * Nanosecond],
  ['11us', 11n * Microsecond],
  ['12µs', 12n * Microsecond], // U+00B5
  ['12μs', 12n * Microsecond], // U+03BC
  ['13ms', 13n * Millisecond],
  ['14s', 14n * Second],
  ['15m', 15n * Minute],
  ['16h', 16n * Hour],
  // composite durations
  ['3h30m', 3n * Hour + 30n * Minute],
  ['10.5s4m', 4n * Minute + 10n * Second + 500n * Millisecond],
  ['-2m3.4s', -(2n * Minute + 3n * Second + 400n * Millisecond)],
  ['1h2m3s4ms5us6ns', 1n * Hour + 2n * Minute + 3n * Second + 4n * Millisecond + 5n * Microsecond + 6n * Nanosecond],
  ['39h9m14.425s', 39n * Hour + 9n * Minute + 14n * Second + 425n * Millisecond],
  // large value
  ['52763797000ns', 52763797000n * Nanosecond],
  // more than 9 digits after decimal point, see https://golang.org/issue/6617
  ['0.3333333333333333333h', 20n * Minute],
  // 9007199254740993 = 1<<53+1 cannot be stored precisely in a float64
  ['9007199254740993ns', ((1n << 53n) + 1n) * Nanosecond],
  // largest duration that can be represented by int64 in nanoseconds
  ['9223372036854775807ns', MaxInt64 * Nanosecond],
  ['9223372036854775.807us', MaxInt64 * Nanosecond],
  ['9223372036s854ms775us807ns', MaxInt64 * Nanosecond],
  ['-9223372036854775808ns', MinInt64 * Nanosecond],
  ['-9223372036854775.808us', MinInt64 * Nanosecond],
  ['-9223372036s854ms775us808ns', MinInt64 * Nanosecond],
  // largest negative value
  ['-9223372036854775808ns', MinInt64 * Nanosecond],
  // largest negative round trip value, see https://golang.org/issue/48629
  ['-2562047h47m16.854775808s', MinInt64 * Nanosecond],
  // huge string; issue 15011.
  ['0.100000000000000000000h', 6n * Minute],
  // This value tests the first overflow check in leadingFraction.
  ['0.830103483285477580700h', 49n * Minute + 48n * Second + 372539827n * Nanosecond],
  // ours: the spellings the issue names
  ['-1s', -1n * Second],
  ['1.5h', 90n * Minute],
  ['1h2m3.5s', Hour + 2n * Minute + 3500n * Millisecond],
];

// Go quotes the input with strconv.Quote ("\xff" for a stray byte); a JS string holds no invalid
// UTF-8, so the message quotes it as JSON does.
const parseDurationErrorTests: [string, string][] = [
  // invalid
  ['', 'time: invalid duration ""'],
  ['3', 'time: missing unit in duration "3"'],
  ['-', 'time: invalid duration "-"'],
  ['s', 'time: invalid duration "s"'],
  ['.', 'time: invalid duration "."'],
  ['-.', 'time: invalid duration "-."'],
  ['.s', 'time: invalid duration ".s"'],
  ['+.s', 'time: invalid duration "+.s"'],
  ['1d', 'time: unknown unit "d" in duration "1d"'],
  ['\x85\x85', 'time: invalid duration "\x85\x85"'],
  ['\xffff', 'time: invalid duration "\xffff"'],
  ['hello \xffff world', 'time: invalid duration "hello \xffff world"'],
  ['\uFFFD', 'time: invalid duration "\uFFFD"'],
  ['\uFFFD hello \uFFFD world', 'time: invalid duration "\uFFFD hello \uFFFD world"'],
  // overflow
  ['9223372036854775810ns', 'time: invalid duration "9223372036854775810ns"'],
  ['9223372036854775808ns', 'time: invalid duration "9223372036854775808ns"'],
  ['-9223372036854775809ns', 'time: invalid duration "-9223372036854775809ns"'],
  ['9223372036854776us', 'time: invalid duration "9223372036854776us"'],
  ['3000000h', 'time: invalid duration "3000000h"'],
  ['9223372036854775.808us', 'time: invalid duration "9223372036854775.808us"'],
  ['9223372036854ms775us808ns', 'time: invalid duration "9223372036854ms775us808ns"'],
];

const durationTests: [string, bigint][] = [
  ['0s', 0n],
  ['1ns', 1n * Nanosecond],
  ['1.1µs', 1100n * Nanosecond],
  ['2.2ms', 2200n * Microsecond],
  ['3.3s', 3300n * Millisecond],
  ['4m5s', 4n * Minute + 5n * Second],
  ['4m5.001s', 4n * Minute + 5001n * Millisecond],
  ['5h6m7.001s', 5n * Hour + 6n * Minute + 7001n * Millisecond],
  ['8m0.000000001s', 8n * Minute + 1n * Nanosecond],
  ['2562047h47m16.854775807s', MaxInt64],
  ['-2562047h47m16.854775808s', MinInt64],
];

describe("Go's time.ParseDuration", () => {
  for (const [input, want] of parseDurationTests) {
    it(`parses ${JSON.stringify(input)}`, () => {
      assert.equal(parseGoDuration(input), want);
      assert.equal(goDurationError(input), undefined);
    });
  }
  for (const [input, message] of parseDurationErrorTests) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      assert.equal(parseGoDuration(input), undefined);
      assert.equal(goDurationError(input), message);
    });
  }
  it('round-trips every parse test through String (TestParseDurationRoundTrip)', () => {
    for (const [, want] of parseDurationTests) assert.equal(parseGoDuration(formatGoDuration(want)), want, formatGoDuration(want));
  });
});

describe("Go's Duration.String", () => {
  for (const [text, ns] of durationTests) {
    it(`formats ${text}`, () => {
      assert.equal(formatGoDuration(ns), text);
      if (ns !== MinInt64) assert.equal(formatGoDuration(-ns), ns === 0n ? '0s' : `-${text}`);
    });
  }
});

describe('milliseconds, as the rest of the code uses them', () => {
  it('parses to ms, fractions and signs kept', () => {
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('500us'), 0.5);
    assert.equal(parseDuration('500µs'), 0.5);
    assert.equal(parseDuration('-1s'), -1000);
    assert.equal(parseDuration('.5s'), 500);
    assert.equal(parseDuration(' 5m '), 300_000, 'surrounding blanks of a config value are ignored');
    assert.equal(parseDuration('30'), undefined);
    assert.equal(parseDuration('5 minutes'), undefined);
  });
  it('formats ms like Go', () => {
    assert.equal(formatDuration(0.5), '500µs');
    assert.equal(formatDuration(3_600_000), '1h0m0s');
    assert.equal(formatDuration(1500), '1.5s');
    assert.equal(formatDuration(250), '250ms');
    assert.equal(formatDuration(20 * 60_000), '20m0s');
    assert.equal(formatDuration(0), '0s');
  });
});
