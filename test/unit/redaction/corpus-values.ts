// Values of the later kinds for the corpus: names, addresses, identity numbers with their
// check digits computed here (independently of the validators under test), network
// identifiers, provider credentials, passwords and cookies; and the encodings they are
// logged in.
import { ALNUM, groupDigits, HEX, LOWER, UPPER, type Rng } from './corpus-common.ts';

const DIGITS = '0123456789';

// ---- people ----

/** Surnames as a census lists them: common ones and some rarer ones. */
const CN_SURNAMES = [
  ...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤',
  '欧阳',
  '司马',
  '诸葛',
];
const CN_GIVEN = [
  ...'伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉宇浩然子轩梓涵一诺欣怡思远俊杰婷婷',
  '建国',
  '雨桐',
  '嘉怡',
  '志强',
  '晓东',
  '海燕',
  '文博',
];
const EN_FIRST = [
  'James',
  'Mary',
  'Robert',
  'Patricia',
  'Wei',
  'Priya',
  'Olga',
  'Juan',
  'Fatima',
  'Kenji',
  'Chloé',
  'Siobhan',
  'Mary-Jane',
  'Ahmed',
  'Lars',
  'Aisha',
];
const EN_LAST = [
  'Smith',
  'Johnson',
  "O'Brien",
  'García',
  'Nguyen',
  'Müller',
  'Kowalski',
  'Zhang',
  'Okafor',
  'MacDonald',
  'Smith-Jones',
  'Ivanova',
  'Haddad',
  'Tanaka',
  'Rossi',
  'Andersson',
];

export function chineseName(rng: Rng): string {
  const given = rng.pick(CN_GIVEN);
  return `${rng.pick(CN_SURNAMES)}${rng.next() < 0.5 && given.length === 1 ? rng.pick(CN_GIVEN).slice(0, 1) : ''}${given}`;
}

export function englishName(rng: Rng): string {
  return rng.next() < 0.2
    ? `${rng.pick(EN_FIRST)} ${rng.chars(UPPER, 1)}. ${rng.pick(EN_LAST)}`
    : `${rng.pick(EN_FIRST)} ${rng.pick(EN_LAST)}`;
}

export const firstName = (rng: Rng): string => rng.pick(EN_FIRST);
export const lastName = (rng: Rng): string => rng.pick(EN_LAST);

/** A cardholder as printed on a card: upper-case pinyin. */
export function pinyinName(rng: Rng): string {
  return `${rng.pick(['ZHANG', 'WANG', 'LI', 'LIU', 'CHEN', 'HUANG', 'ZHOU'])} ${rng.pick(['WEI', 'FANG', 'XIAOMING', 'JING', 'HAORAN', 'YUTONG'])}`;
}

// ---- addresses ----

const CN_PLACES: [string, string[]][] = [
  ['北京市', ['朝阳区', '海淀区', '东城区']],
  ['上海市', ['浦东新区', '徐汇区', '静安区']],
  ['广东省深圳市', ['南山区', '福田区', '宝安区']],
  ['广东省广州市', ['天河区', '越秀区']],
  ['浙江省杭州市', ['西湖区', '滨江区']],
  ['四川省成都市', ['武侯区', '锦江区']],
  ['江苏省南京市', ['鼓楼区', '玄武区']],
];
const CN_ROADS = [
  '建国路',
  '科技园路',
  '人民大道',
  '中山东一路',
  '解放西路',
  '文三路',
  '长安街',
  '天府大道',
];

export function chineseAddress(rng: Rng): string {
  const [city, districts] = rng.pick(CN_PLACES);
  const unit = rng.next() < 0.5 ? `${rng.int(1, 30)}栋${rng.int(101, 2808)}室` : '';
  return `${city}${rng.pick(districts)}${rng.pick(CN_ROADS)}${rng.int(1, 999)}号${unit}`;
}

const US_STREETS = [
  'Main',
  'Oak',
  'Maple',
  'Amphitheatre',
  'Market',
  'Elm',
  'Washington',
  '5th',
  'Lake Shore',
];
const US_TYPES = [
  'Street',
  'St',
  'Avenue',
  'Ave',
  'Road',
  'Blvd',
  'Drive',
  'Lane',
  'Parkway',
  'Way',
];
const US_CITIES: [string, string][] = [
  ['Springfield', 'IL'],
  ['Mountain View', 'CA'],
  ['Austin', 'TX'],
  ['Brooklyn', 'NY'],
  ['Seattle', 'WA'],
  ['Boston', 'MA'],
  ['Salt Lake City', 'UT'],
];
const UK_STREETS = [
  'Baker Street',
  'High Street',
  'Church Road',
  'Station Road',
  'Victoria Street',
];
const UK_CITIES: [string, string][] = [
  ['London', 'NW1 6XE'],
  ['Manchester', 'M1 1AE'],
  ['Leeds', 'LS1 4AP'],
  ['London', 'SW1A 2AA'],
  ['Bristol', 'BS1 5TR'],
];

export function streetAddress(rng: Rng): string {
  if (rng.next() < 0.3) {
    const [city, postcode] = rng.pick(UK_CITIES);
    return `${rng.int(1, 250)}${rng.next() < 0.2 ? 'B' : ''} ${rng.pick(UK_STREETS)}, ${city} ${postcode}`;
  }
  const [city, state] = rng.pick(US_CITIES);
  const unit =
    rng.next() < 0.3
      ? `, ${rng.pick(['Apt', 'Suite', 'Unit'])} ${rng.int(1, 40)}${rng.chars('ABC', 1)}`
      : '';
  const zip = `${rng.digits(5)}${rng.next() < 0.2 ? `-${rng.digits(4)}` : ''}`;
  return `${rng.int(1, 9999)} ${rng.next() < 0.2 ? 'N ' : ''}${rng.pick(US_STREETS)} ${rng.pick(US_TYPES)}${unit}, ${city}, ${state} ${zip}`;
}

// ---- identity numbers, with check digits computed here ----

const letterNumber = (letter: string): number => letter.charCodeAt(0) - 'A'.charCodeAt(0) + 10;

/** Hong Kong identity card: the check makes 9·L1 + 8·L2 + 7·d1 … 2·d6 + check ≡ 0 (mod 11). */
export function hkId(rng: Rng): string {
  const twoLetters = rng.next() < 0.2;
  const letters = rng.chars(UPPER, twoLetters ? 2 : 1);
  const digits = rng.digits(6);
  const weighted = [
    twoLetters ? letterNumber(letters.charAt(0)) : 36,
    letterNumber(letters.slice(-1)),
  ]
    .concat([...digits].map(Number))
    .reduce((sum, v, i) => sum + v * (9 - i), 0);
  const check = (11 - (weighted % 11)) % 11;
  const checkChar = check === 10 ? 'A' : String(check);
  return rng.next() < 0.7 ? `${letters}${digits}(${checkChar})` : `${letters}${digits}${checkChar}`;
}

/** Taiwan's letter codes: A=10 … H=17, J=18 …, with I, O, W, X, Y, Z placed last. */
const TW_CODES: Record<string, number> = Object.fromEntries(
  [...'ABCDEFGHJKLMNPQRSTUVXYWZIO'].map((letter, i) => [letter, 10 + i]),
);

export function twId(rng: Rng): string {
  const letter = rng.pick(Object.keys(TW_CODES));
  const body = `${rng.pick(['1', '2'])}${rng.digits(7)}`;
  const code = TW_CODES[letter] ?? 10;
  const sum =
    Math.floor(code / 10) +
    (code % 10) * 9 +
    [...body].reduce((total, d, i) => total + Number(d) * (8 - i), 0);
  return `${letter}${body}${(10 - (sum % 10)) % 10}`;
}

export function passportNumber(rng: Rng): string {
  return rng.pick([
    () => `E${rng.digits(8)}`,
    () => `E${rng.chars('ABCDEFGHJKLMNPQRSTUVWXYZ', 1)}${rng.digits(7)}`,
    () => `G${rng.digits(8)}`,
    () => `${rng.pick(['P', 'K', 'S'])}${rng.digits(7)}`,
    () => rng.digits(9),
  ])();
}

const AREA_CODES = [
  '010',
  '020',
  '021',
  '022',
  '023',
  '024',
  '025',
  '027',
  '028',
  '029',
  '0311',
  '0371',
  '0512',
  '0571',
  '0591',
  '0755',
  '0757',
  '0769',
  '0898',
  '0919',
  '0931',
];

export function cnLandline(rng: Rng): string {
  const area = rng.pick(AREA_CODES);
  const local = `${rng.int(2, 8)}${rng.digits(area.length === 3 ? 7 : rng.pick([6, 7]))}`;
  return rng.pick([
    () => `${area}-${local}`,
    () => `(${area})${local}`,
    () => `(${area}) ${local}`,
    () => `${area} ${local.slice(0, -4)} ${local.slice(-4)}`,
    () => `${area}-${local.slice(0, -4)}-${local.slice(-4)}`,
  ])();
}

/** A bank card number as written after 卡号: UnionPay prefixes, 16-19 digits, Luhn or not. */
export function bankCard(rng: Rng): string {
  const length = rng.pick([16, 16, 17, 18, 19]);
  const prefix = rng.pick(['62', '6222', '6228', '6217', '9558', '4', '5']);
  const digits = prefix + rng.digits(length - prefix.length);
  return rng.next() < 0.4 ? groupDigits(digits, [4, 4, 4, 4], ' ') : digits;
}

// ---- network identifiers ----

/** A client address: public unicast and private ranges, never loopback or multicast. */
export function ipv4(rng: Rng): string {
  const first = rng.pick([rng.int(1, 9), rng.int(11, 126), rng.int(128, 223), 10, 172, 192]);
  const second = first === 192 ? 168 : first === 172 ? rng.int(16, 31) : rng.int(0, 255);
  return `${first}.${second}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
}

export function ipv6(rng: Rng): string {
  const group = () => rng.chars(HEX, rng.int(1, 4)).replace(/^0+(?=.)/, '');
  const shape = rng.pick([
    () => `2001:db8:${group()}:${group()}::${group()}`,
    () => `2400:cb00:${group()}:${group()}:${group()}:${group()}:${group()}:${group()}`,
    () => `fe80::${group()}:${group()}:${group()}:${group()}`,
    () => `2a02:${group()}:${group()}::${group()}`,
  ])();
  return rng.next() < 0.3 ? shape.toUpperCase() : shape;
}

export function mac(rng: Rng): string {
  const octets = Array.from({ length: 6 }, () => rng.chars(HEX, 2));
  octets[0] = (Number.parseInt(octets[0] ?? '00', 16) & 0xfe).toString(16).padStart(2, '0');
  const text = octets.join(rng.pick([':', ':', '-']));
  return rng.next() < 0.4 ? text.toUpperCase() : text;
}

// ---- credentials ----

export function githubToken(rng: Rng): string {
  return rng.next() < 0.8
    ? `${rng.pick(['ghp_', 'gho_', 'ghs_', 'ghu_'])}${rng.chars(ALNUM, 36)}`
    : `github_pat_${rng.chars(ALNUM, 22)}_${rng.chars(ALNUM, 59)}`;
}

export const stripeKey = (rng: Rng): string =>
  `${rng.pick(['sk_live_', 'rk_live_', 'sk_test_'])}${rng.chars(ALNUM, rng.pick([24, 34, 99]))}`;

export const googleApiKey = (rng: Rng): string => `AIza${rng.chars(`${ALNUM}-_`, 35)}`;

export function openAiKey(rng: Rng): string {
  return rng.next() < 0.8
    ? `${rng.pick(['sk-proj-', 'sk-svcacct-', 'sk-admin-'])}${rng.chars(`${ALNUM}-_`, rng.pick([48, 74, 156]))}`
    : `sk-${rng.chars(ALNUM, 20)}T3BlbkFJ${rng.chars(ALNUM, 20)}`;
}

export const anthropicKey = (rng: Rng): string =>
  `sk-ant-${rng.pick(['api03', 'admin01'])}-${rng.chars(`${ALNUM}-_`, 93)}AA`;

/** An API or subscription key: hex or alphanumeric, 24-40 characters. */
export const apiKey = (rng: Rng): string =>
  rng.next() < 0.5
    ? rng.chars(HEX, 32)
    : `${rng.chars(LOWER, 2)}${rng.chars(ALNUM, rng.int(22, 38))}`;

/** Passwords people choose: words, digits and symbols, no spaces or quotes. */
export function password(rng: Rng): string {
  const word = rng.pick([
    'hunter',
    'Summer',
    'dragon',
    'P@ss',
    'letmein',
    'Tr0ub4dor',
    'qwerty',
    '密码',
  ]);
  return `${word}${rng.digits(rng.int(1, 4))}${rng.pick(['', '!', '#', '$', '&3', '.x'])}`;
}

export function sessionValue(rng: Rng): string {
  return rng.pick([
    () => rng.chars(HEX, 32),
    () => `s%3A${rng.chars(ALNUM, 24)}.${rng.chars(`${ALNUM}%`, 30)}`,
    () => rng.chars(`${ALNUM}-_`, 43),
    () => `${rng.chars(UPPER + DIGITS, 26)}`,
  ])();
}

// ---- contact details, for the encodings ----

export function email(rng: Rng): string {
  const local = rng.pick(['alice', 'bob.smith', 'li.wei', 'z.hang+news', 'maria_88', 'j.doe']);
  return `${local}@${rng.pick(['example.com', 'mail.example.org', 'qq.com', '163.com', 'corp.example.co.uk'])}`;
}

/** A NANP area code or exchange: [2-9]XX, never N11 (service codes). */
function nxx(rng: Rng): string {
  const code = `${rng.int(2, 9)}${rng.digits(2)}`;
  return code.endsWith('11') ? `${code.slice(0, 2)}0` : code;
}

export function phone(rng: Rng): string {
  return rng.next() < 0.6
    ? `+86${rng.pick(['138', '139', '150', '186', '177'])}${rng.digits(8)}`
    : `+1${nxx(rng)}${nxx(rng)}${rng.digits(4)}`;
}

// ---- encodings ----

/** Percent-encodes what a form encoder escapes (`@`, `+`, spaces, non-ASCII). */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}

/** A percent-encoded value encoded again (`%40` → `%2540`), as proxies and redirects do. */
export const doublePercentEncode = (value: string): string =>
  encodeURIComponent(encodeURIComponent(value));

/** `\u`-escapes every non-ASCII character and `@` (what ensure_ascii JSON encoders write). */
export function jsonAsciiEscape(value: string): string {
  return [...value]
    .map((ch) => {
      const code = ch.charCodeAt(0);
      return code > 0x7e || ch === '@' ? `\\u${code.toString(16).padStart(4, '0')}` : ch;
    })
    .join('');
}
