// The corpus cases for the later kinds (issue 16): encoded values, provider credentials,
// network identifiers, Chinese-format identifiers, names and addresses in context, and
// their hard negatives. Seeded apart from the first part, so that part stays as it was.
import { compose, Rng, type CorpusCase, type Piece } from './corpus-common.ts';
import { CREDENTIAL_KINDS, type KindSpec } from './corpus-kinds.ts';
import { ENCODED_KINDS } from './corpus-kinds-encoded.ts';
import { CHINESE_ID_KINDS, NAME_AND_ADDRESS_KINDS, NETWORK_KINDS } from './corpus-kinds-people.ts';
import { LOOKALIKES } from './corpus-lookalikes.ts';

export const EXTENDED_SEED = 20261207;
const CASES_PER_SPEC = 120;
const CASES_PER_LOOKALIKE = 80;

export const POSITIVE_KINDS: KindSpec[] = [
  ...ENCODED_KINDS,
  ...CREDENTIAL_KINDS,
  ...NETWORK_KINDS,
  ...CHINESE_ID_KINDS,
  ...NAME_AND_ADDRESS_KINDS,
];

type NewCase = Omit<CorpusCase, 'id'>;

/** A value inside a SQL string literal has its quotes doubled (`'O''Brien'`). */
const sqlEscaped = (piece: Piece): Piece =>
  typeof piece === 'string' ? piece : { ...piece, value: piece.value.replaceAll("'", "''") };

/** Each kind in each of its placements in turn, with a fresh value every time. */
function positives(rng: Rng): NewCase[] {
  return POSITIVE_KINDS.flatMap(({ kind, make, placements }) =>
    Array.from({ length: CASES_PER_SPEC }, (_, i): NewCase => {
      const placement = placements[i % placements.length];
      if (!placement) throw new Error(`${kind} has no placements`);
      const pieces = placement.place(rng, make(rng));
      return {
        format: placement.format,
        kind,
        note: `${kind} (${placement.format})`,
        ...compose(placement.format === 'sql' ? pieces.map(sqlEscaped) : pieces),
      };
    }),
  );
}

function lookalikes(rng: Rng): NewCase[] {
  return LOOKALIKES.flatMap(({ kind, lines }) =>
    Array.from({ length: CASES_PER_LOOKALIKE }, (_, i): NewCase => {
      const [format, make] = lines[i % lines.length] ?? lines[0]!;
      return { format, kind, note: `negative: ${kind} (${format})`, text: make(rng), labels: [] };
    }),
  );
}

export function extendedCases(seed = EXTENDED_SEED): NewCase[] {
  const rng = new Rng(seed);
  return [...positives(rng), ...lookalikes(rng)];
}
