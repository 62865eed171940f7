// Values after Chinese field labels: `姓名：张三`, `持卡人姓名=李四`, `收货地址：…`,
// `护照号 E12345678`, `卡号6222 0212 3456 7890 123`. The separator may be a full-width
// colon, `=`, `是`/`为`, or nothing at all; the value is checked against the shape its
// label promises, as for `key=value` labels.
import type { DetectorName } from '../../config/sections/redaction.ts';
import type { Match, TextDetector } from '../types.ts';
import { pushMatch } from './scan-utils.ts';
import { valueAt, type ValueSyntax } from './value-reading.ts';
import {
  isLabelledCardNumber,
  isPassportNumber,
  isPersonName,
  isPostalAddress,
} from './value-shapes.ts';

interface ChineseLabel {
  labels: string[];
  type: DetectorName;
  syntax: ValueSyntax;
  accepts: (value: string) => boolean;
}

const CHINESE_LABELS: ChineseLabel[] = [
  {
    labels: [
      '姓名',
      '真实姓名',
      '客户姓名',
      '用户姓名',
      '持卡人姓名',
      '持卡人',
      '收货人',
      '收件人',
      '寄件人',
      '联系人',
      '开户名',
      '户名',
      '乘客姓名',
      '患者姓名',
    ],
    type: 'personName',
    syntax: 'name',
    accepts: (value) => isPersonName(value, true),
  },
  {
    labels: [
      '收货地址',
      '收件地址',
      '寄件地址',
      '送货地址',
      '家庭住址',
      '家庭地址',
      '居住地址',
      '联系地址',
      '通讯地址',
      '详细地址',
      '住址',
      '地址',
    ],
    type: 'address',
    syntax: 'address',
    accepts: isPostalAddress,
  },
  {
    labels: ['护照号码', '护照号', '护照'],
    type: 'passport',
    syntax: 'token',
    accepts: isPassportNumber,
  },
  {
    labels: ['银行卡号', '信用卡号', '借记卡号', '卡号'],
    type: 'paymentCard',
    syntax: 'card',
    accepts: isLabelledCardNumber,
  },
];

const BY_LABEL = new Map(CHINESE_LABELS.flatMap((kind) => kind.labels.map((l) => [l, kind])));
/**
 * Every label, longest first (`持卡人姓名` before `姓名`), then what may separate the value:
 * the label's closing quote in JSON (`{"姓名":"…"}`), `是`/`为`, a colon or `=`.
 */
const LABEL = new RegExp(
  `(${[...BY_LABEL.keys()].sort((a, b) => b.length - a.length).join('|')})["']?(?:是|为)?[ \\t]*[:：=]?[ \\t]*`,
  'gu',
);
const HAN = /[\u4e00-\u9fff]/;

export const chineseLabelDetector: TextDetector = {
  types: ['personName', 'address', 'passport', 'paymentCard'],
  scope: 'text',
  mayContain: (text) => HAN.test(text),
  find(text: string, offset: number, out: Match[]): void {
    LABEL.lastIndex = 0;
    for (let m = LABEL.exec(text); m !== null; m = LABEL.exec(text)) {
      const kind = BY_LABEL.get(m[1] ?? '');
      const span = kind && valueAt(text, m.index + m[0].length, kind.syntax);
      if (kind && span && kind.accepts(text.slice(span.start, span.end))) {
        pushMatch(out, kind.type, offset, span.start, span.end);
        LABEL.lastIndex = span.end;
      }
    }
  },
};
