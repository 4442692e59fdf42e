import { column, columnsOf, unnestRows } from './sql-rows.js';

interface Sample {
  readonly id: string;
  readonly count: number;
  readonly at: Date;
}

const COLUMNS = [
  column<Sample>('id', 'text', (row) => row.id),
  column<Sample>('count', 'int', (row) => row.count),
  column<Sample>('at', 'timestamptz', (row) => row.at),
];

describe(unnestRows.name, () => {
  const rows: Sample[] = [
    { id: 'a', count: 1, at: new Date(0) },
    { id: 'b', count: 2, at: new Date(1) },
  ];

  it('numbers each column’s array in declaration order, with its type, and hands the arrays in that order', () => {
    const sut = unnestRows('t', COLUMNS, rows);

    expect(sut.source).toBe('unnest($1::text[], $2::int[], $3::timestamptz[]) AS t(id, count, at)');
    expect(sut.names).toBe('id, count, at');
    expect(sut.parameters).toEqual([
      ['a', 'b'],
      [1, 2],
      [new Date(0), new Date(1)],
    ]);
    expect(sut.next).toBe(4);
  });

  it('starts after the statement’s own parameters and numbers the rows when asked', () => {
    const sut = unnestRows('r', COLUMNS, rows, { first: 3, ordinality: 'position' });

    expect(sut.source).toBe(
      'unnest($3::text[], $4::int[], $5::timestamptz[]) WITH ORDINALITY AS r(id, count, at, position)',
    );
    expect(sut.next).toBe(6);
  });
});

describe(columnsOf.name, () => {
  it('reads another row type’s columns through the picked part, names and types unchanged', () => {
    const wrapped = columnsOf(COLUMNS, (row: { readonly sample: Sample }) => row.sample);

    const sut = unnestRows('w', wrapped, [{ sample: { id: 'c', count: 3, at: new Date(2) } }]);

    expect(sut.source).toBe('unnest($1::text[], $2::int[], $3::timestamptz[]) AS w(id, count, at)');
    expect(sut.parameters).toEqual([['c'], [3], [new Date(2)]]);
  });
});
