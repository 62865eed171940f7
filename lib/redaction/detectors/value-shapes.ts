// What the value after a label must look like to be taken: a label says what a value should
// be, the shape check keeps `name=checkout`, `address=10.0.0.5:8080` and `card_no=-` out.

/** Common single-character Chinese surnames, most frequent first (about 95% of people). */
const SURNAMES = new Set(
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝',
);
const COMPOUND_SURNAMES = new Set(
  '欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 令狐 长孙 宇文 司徒 夏侯 轩辕 端木 南宫 独孤'.split(
    ' ',
  ),
);

const HAN_NAME = /^\p{Script=Han}{2,4}$/u;
/** Names of ethnic minorities and transliterated foreign names: 买买提·艾力. */
const HAN_DOTTED_NAME = /^\p{Script=Han}{1,8}[·•]\p{Script=Han}{1,10}$/u;
/** A word of a name in Latin script: "Smith", "O'Brien", "Mary-Jane", "J.", "ZHANG". */
const NAME_WORD = /^\p{L}[\p{L}'’-]*\.?$/u;
const CAPITALIZED = /^\p{Lu}/u;
/** Words that make `name=` a thing's name, not a person's ("Order Service", "Default Pool"). */
const THING_WORDS = new Set(
  'service server worker job queue topic table index cluster node pod default test main app api client handler controller manager cache pool group team order orders user users admin system root guest public private internal external primary secondary new old temp local remote global config error info warning debug request response session event task policy rule role'.split(
    ' ',
  ),
);
const MAX_NAME_WORDS = 4;

function hasKnownSurname(name: string): boolean {
  return SURNAMES.has(name.charAt(0)) || COMPOUND_SURNAMES.has(name.slice(0, 2));
}

/**
 * A person's name. After a label that can only mean a person (`customer_name`, `姓名`) any
 * name-like value counts; after a plain `name` only a Chinese name with a common surname or
 * two or more capitalized words that are not the words things are named with.
 */
export function isPersonName(value: string, labelOnlyMeansPerson: boolean): boolean {
  if (value.length === 0 || value.length > 64) return false;
  if (HAN_NAME.test(value)) return labelOnlyMeansPerson || hasKnownSurname(value);
  if (HAN_DOTTED_NAME.test(value)) return true;
  const words = value.split(' ');
  if (words.length > MAX_NAME_WORDS || !words.every((word) => NAME_WORD.test(word))) return false;
  if (labelOnlyMeansPerson) return true;
  return (
    words.length >= 2 &&
    words.every((word) => CAPITALIZED.test(word) && !THING_WORDS.has(word.toLowerCase()))
  );
}

/** Administrative and street units of a Chinese address. */
const HAN_ADDRESS_UNITS = /[省市区县镇乡村路街道号巷弄栋幢楼室]/gu;
const HAN = /\p{Script=Han}/u;
const NETWORK_LIKE = /:\/\/|^[\d.:[\]]+$|^0x/i;

/**
 * A postal address: in Chinese, two or more of its units (省 市 区 路 号 …); otherwise two or
 * more words with both letters and a house or postal number. Network addresses are not.
 */
export function isPostalAddress(value: string): boolean {
  if (value.length < 5 || value.length > 200 || NETWORK_LIKE.test(value)) return false;
  if (HAN.test(value)) return (value.match(HAN_ADDRESS_UNITS)?.length ?? 0) >= 2;
  return /\s/.test(value.trim()) && /\p{L}{2}/u.test(value) && /\d/.test(value);
}

/** A passport number after a passport label: 6-9 letters and digits, mostly digits. */
export function isPassportNumber(value: string): boolean {
  return /^[A-Z]{0,2}\d{6,9}$/i.test(value);
}

/** A bank card number after a card label: 16-19 digits, grouped or not; no Luhn check. */
export function isLabelledCardNumber(value: string): boolean {
  if (!/^\d[\d -]*\d$/.test(value)) return false;
  const digits = value.replace(/\D/g, '').length;
  return digits >= 16 && digits <= 19;
}
