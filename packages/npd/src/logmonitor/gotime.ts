/**
 * Parses timestamps with a Go time layout ("Jan _2 15:04:05", "2006-01-02T15:04:05.999999999Z07:00"),
 * as NPD's filelog plugin's timestampFormat does. Local time unless the layout has a zone;
 * a layout without a year takes the current year.
 */
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const LONG_MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

type Field =
  | 'year'
  | 'year2'
  | 'month'
  | 'monthName'
  | 'day'
  | 'hour'
  | 'hour12'
  | 'minute'
  | 'second'
  | 'fraction'
  | 'ampm'
  | 'zone'
  | 'skip';

// Longest tokens first so "2006" wins over "2", "January" over "Jan".
const TOKENS: [string, Field, string][] = [
  ['January', 'monthName', '[A-Za-z]+'],
  ['Monday', 'skip', '[A-Za-z]+'],
  ['Z07:00', 'zone', 'Z|[+-]\\d\\d:\\d\\d'],
  ['-07:00', 'zone', '[+-]\\d\\d:\\d\\d'],
  ['Z0700', 'zone', 'Z|[+-]\\d{4}'],
  ['-0700', 'zone', '[+-]\\d{4}'],
  ['2006', 'year', '\\d{4}'],
  ['Jan', 'monthName', '[A-Za-z]{3}'],
  ['Mon', 'skip', '[A-Za-z]{3}'],
  ['MST', 'skip', '[A-Z]{3,5}'],
  ['_2', 'day', ' ?\\d{1,2}'],
  ['01', 'month', '\\d{2}'],
  ['02', 'day', '\\d{2}'],
  ['15', 'hour', '\\d{2}'],
  ['03', 'hour12', '\\d{2}'],
  ['04', 'minute', '\\d{2}'],
  ['05', 'second', '\\d{2}'],
  ['06', 'year2', '\\d{2}'],
  ['PM', 'ampm', 'AM|PM'],
  ['pm', 'ampm', 'am|pm'],
  ['1', 'month', '\\d{1,2}'],
  ['2', 'day', '\\d{1,2}'],
  ['3', 'hour12', '\\d{1,2}'],
  ['4', 'minute', '\\d{1,2}'],
  ['5', 'second', '\\d{1,2}'],
];

export interface GoTimeParser {
  parse(text: string, now?: Date): number | undefined;
}

export function compileGoLayout(layout: string): GoTimeParser {
  const fields: Field[] = [];
  let source = '';
  let i = 0;
  while (i < layout.length) {
    const fraction = /^[.,](0+|9+)/.exec(layout.slice(i));
    if (fraction && /\d/.test(layout[i - 1] ?? '')) {
      fields.push('fraction');
      source += fraction[1]?.startsWith('9') ? '(?:[.,](\\d+))?' : `[.,](\\d{${fraction[1]?.length}})`;
      i += fraction[0].length;
      continue;
    }
    const token = TOKENS.find(([t]) => layout.startsWith(t, i));
    if (token) {
      fields.push(token[1]);
      source += `(${token[2]})`;
      i += token[0].length;
      continue;
    }
    source += (layout[i] ?? '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    i++;
  }
  const regexp = new RegExp(`^${source}$`);
  return {
    parse(text, now = new Date()) {
      const match = regexp.exec(text.trim());
      if (!match) return undefined;
      let year = now.getFullYear();
      let month = 0;
      let day = 1;
      let hour = 0;
      let minute = 0;
      let second = 0;
      let ms = 0;
      let pm: boolean | undefined;
      let offsetMinutes: number | undefined;
      fields.forEach((field, index) => {
        const value = match[index + 1];
        if (value === undefined) return;
        const n = Number(value.trim());
        switch (field) {
          case 'year':
            year = n;
            break;
          case 'year2':
            year = n < 69 ? 2000 + n : 1900 + n;
            break;
          case 'month':
            month = n - 1;
            break;
          case 'monthName': {
            const short = value.slice(0, 3).toLowerCase();
            month = MONTHS.findIndex((m) => m.toLowerCase() === short);
            if (month < 0) month = LONG_MONTHS.findIndex((m) => m.toLowerCase() === value.toLowerCase());
            break;
          }
          case 'day':
            day = n;
            break;
          case 'hour':
          case 'hour12':
            hour = n;
            break;
          case 'minute':
            minute = n;
            break;
          case 'second':
            second = n;
            break;
          case 'fraction':
            ms = Math.floor(Number(`0.${value}`) * 1000);
            break;
          case 'ampm':
            pm = value.toLowerCase() === 'pm';
            break;
          case 'zone':
            if (value === 'Z') offsetMinutes = 0;
            else {
              const digits = value.replace(':', '');
              const sign = digits.startsWith('-') ? -1 : 1;
              offsetMinutes = sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
            }
            break;
          case 'skip':
            break;
        }
      });
      if (month < 0) return undefined;
      if (pm !== undefined) hour = (hour % 12) + (pm ? 12 : 0);
      if (offsetMinutes === undefined) return new Date(year, month, day, hour, minute, second, ms).getTime();
      return Date.UTC(year, month, day, hour, minute, second, ms) - offsetMinutes * 60_000;
    },
  };
}
