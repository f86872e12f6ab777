/**
 * A deterministic generator of DBpedia-shaped labeled text (`"label","title","content"`, 14 classes,
 * numeric labels with a classes.txt), for the demo and the scale benchmarks: the project cannot ship
 * DBpedia's own text. Each class has its own vocabulary, related classes share a second one (artists,
 * albums and films; villages, natural places and buildings; ...), every row also draws from a common
 * pool, and a small share of rows carry a wrong label: a classifier learns it well, but not perfectly.
 */
import { seededRandom } from '../../shared/src/random';

export const CLASS_NAMES = [
  'Company',
  'EducationalInstitution',
  'Artist',
  'Athlete',
  'OfficeHolder',
  'MeanOfTransportation',
  'Building',
  'NaturalPlace',
  'Village',
  'Animal',
  'Plant',
  'Album',
  'Film',
  'WrittenWork',
] as const;

const CLASS_WORDS: Record<(typeof CLASS_NAMES)[number], string> = {
  Company: 'company corporation founded headquartered subsidiary manufacturer brand products services revenue employees industry acquired firm shareholders retail software holding enterprise startup',
  EducationalInstitution: 'school university college students campus faculty academic founded education degree undergraduate graduate enrolled research institute tuition curriculum alumni secondary',
  Artist: 'singer songwriter musician painter guitarist rapper vocalist composer band solo career recorded performed artist producer pianist sculptor',
  Athlete: 'football player defender midfielder striker league season team club played goalkeeper cyclist tennis olympic champion scored professional',
  OfficeHolder: 'politician member parliament elected minister served senator governor party council mayor election assembly president cabinet legislature',
  MeanOfTransportation: 'ship locomotive aircraft vessel launched navy class engine built steam fleet railway cruiser destroyer tonnage hull car',
  Building: 'building church tower built hall house historic architecture constructed listed floors cathedral museum hotel castle designed',
  NaturalPlace: 'river mountain lake peak tributary flows elevation range valley glacier island creek summit basin watershed',
  Village: 'village population census district municipality gmina county located administrative commune rural kilometres inhabitants province',
  Animal: 'species genus family moth beetle snail described wingspan larvae endemic bird fish spider marine habitat',
  Plant: 'plant flowering shrub herb leaves genus species native grows tree orchid perennial flowers endemic fern',
  Album: 'album released studio tracks label songs recorded debut single chart billboard records compilation remix ep',
  Film: 'film directed starring drama comedy screenplay produced movie released cast thriller documentary premiered actor actress',
  WrittenWork: 'novel book published author written magazine journal series story fiction edition poems newspaper volume manga',
};

/** Vocabularies shared by related classes: the source of honest confusion. */
const SHARED_WORDS: Array<{ classes: Array<(typeof CLASS_NAMES)[number]>; words: string }> = [
  { classes: ['Artist', 'Album', 'Film'], words: 'music record released producer soundtrack award studio performance tour grammy video' },
  { classes: ['Village', 'NaturalPlace', 'Building'], words: 'located north south east west region near situated area town road coast' },
  { classes: ['Company', 'EducationalInstitution', 'Building'], words: 'founded established headquarters campus centre offices board chairman owned' },
  { classes: ['Animal', 'Plant'], words: 'species genus family native found endemic described distribution habitat' },
  { classes: ['Athlete', 'OfficeHolder', 'Artist'], words: 'born career known american british served played national member' },
  { classes: ['Film', 'WrittenWork', 'Album'], words: 'published story series released edition adaptation written based' },
  { classes: ['MeanOfTransportation', 'Company'], words: 'built manufactured produced engine model service operated' },
];

const COMMON_WORDS =
  'the of and in a to was is for on by with as from at its which it his her their an first also one two new has have after during later other its three years century world state city national international' +
  ' known named part time main several large small early late high long major original current former first second';

const SYLLABLES = 'ka ri to ma ne lo sa vi da ru mi ko ta be ha jo le pa ni go su ra de fi no ze wa'.split(' ');

export interface GeneratorOptions {
  rows: number;
  seed?: number;
  /** Share of rows whose label is replaced by a random one (default 0.03). */
  labelNoise?: number;
}

export interface GeneratedRow {
  label: number;
  title: string;
  content: string;
}

const words = (text: string): string[] => text.split(/\s+/).filter((word) => word !== '');

/** Rows in a balanced, shuffled order; row i depends only on the seed and i's position in the stream. */
export function* generateRows(options: GeneratorOptions): Generator<GeneratedRow> {
  const next = seededRandom(options.seed ?? 42);
  const noise = options.labelNoise ?? 0.03;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const common = words(COMMON_WORDS);
  const own = CLASS_NAMES.map((name) => words(CLASS_WORDS[name]));
  const shared = CLASS_NAMES.map((name) => SHARED_WORDS.filter((group) => group.classes.includes(name)).flatMap((group) => words(group.words)));
  const name = () => {
    const part = () => Array.from({ length: 2 + Math.floor(next() * 2) }, () => pick(SYLLABLES)).join('');
    const text = `${part()} ${part()}`;
    return text.replace(/\b\w/g, (letter) => letter.toUpperCase());
  };
  for (let i = 0; i < options.rows; i++) {
    const classIndex = i % CLASS_NAMES.length;
    const title = name();
    const length = 12 + Math.floor(next() * 24);
    const content: string[] = [title, 'is', 'a'];
    for (let w = 0; w < length; w++) {
      const roll = next();
      if (roll < 0.3) content.push(pick(own[classIndex]!));
      else if (roll < 0.55 && shared[classIndex]!.length > 0) content.push(pick(shared[classIndex]!));
      else if (roll < 0.62) content.push(pick(own[Math.floor(next() * CLASS_NAMES.length)]!));
      else content.push(pick(common));
      if (next() < 0.08) content.push(pick(['.', ',', '(', ')']));
    }
    content.push(`${Math.floor(next() * 200) + 1850}`, '.');
    const label = next() < noise ? Math.floor(next() * CLASS_NAMES.length) + 1 : classIndex + 1;
    yield { label, title, content: content.join(' ') };
  }
}

/** One CSV line in DBpedia's quoting. */
export function csvLine(row: GeneratedRow): string {
  const quote = (value: string) => `"${value.replaceAll('"', '""')}"`;
  return `${quote(String(row.label))},${quote(row.title)},${quote(row.content)}\n`;
}

export const classesFile = (): string => `${CLASS_NAMES.join('\n')}\n`;
