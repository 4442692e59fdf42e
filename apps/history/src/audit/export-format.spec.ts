import { csvCell } from './export-format.js';

describe(csvCell.name, () => {
  test.each([
    { value: 'plain', cell: 'plain' },
    { value: null, cell: '' },
    { value: 'a,b', cell: '"a,b"' },
    { value: 'say "hi"', cell: '"say ""hi"""' },
    { value: 'two\nlines', cell: '"two\nlines"' },
    { value: '=HYPERLINK("x")', cell: `"'=HYPERLINK(""x"")"` },
    { value: '+33 1 23', cell: "'+33 1 23" },
    { value: { a: 1, b: 'x,y' }, cell: '"{""a"":1,""b"":""x,y""}"' },
  ])('writes $value as $cell', ({ value, cell }) => {
    expect(csvCell(value)).toBe(cell);
  });
});
