// The later kinds of personal data that identify a person or their device: network
// addresses, Chinese-format identity and phone numbers, bank cards after their label,
// names and postal addresses where the context says what they are.
import type { DetectorName } from '../../../lib/config/sections/redaction.ts';
import type { Piece, Rng } from './corpus-common.ts';
import type { KindSpec, Labelled, Placement } from './corpus-kinds.ts';
import * as noise from './corpus-noise.ts';
import * as values from './corpus-values.ts';

const as =
  (type: DetectorName, value: (rng: Rng) => string) =>
  (rng: Rng): Labelled => ({ type, value: value(rng) });

const labelled = (type: DetectorName, value: string): Labelled => ({ type, value });

const IP_PLACEMENTS: Placement[] = [
  {
    format: 'access-log',
    place: (rng, v) => [
      v,
      ` - - ${noise.accessTime(rng)} "GET ${noise.path(rng)} HTTP/1.1" ${noise.status(rng)} ${rng.int(20, 9000)} "-" "${noise.userAgent(rng)}"`,
    ],
  },
  {
    format: 'logfmt',
    place: (rng, v) => [
      `ts=${noise.isoTime(rng)} method=POST path=${noise.path(rng)} remote_addr=`,
      v,
      ` ${noise.logfmtField(rng)}`,
    ],
  },
  {
    format: 'json',
    place: (rng, v) => [
      `{"level":"${noise.level(rng)}","msg":"request","client_ip":"`,
      v,
      `","latency":"${noise.millis(rng)}"}`,
    ],
  },
  {
    format: 'line-en',
    place: (rng, v) => [
      `${noise.plainTime(rng)} sshd[${rng.int(100, 99999)}]: Failed password for root from `,
      v,
      ` port ${rng.int(1024, 65535)} ssh2`,
    ],
  },
  {
    format: 'line-en',
    place: (rng, v) => [
      `${noise.plainTime(rng)} [error] ${rng.int(1, 99)}#0: upstream timed out, client: `,
      v,
      `, server: shop.example.com, request: "GET ${noise.path(rng)} HTTP/1.1"`,
    ],
  },
  {
    format: 'line-zh',
    place: (rng, v) => [
      `${noise.plainTime(rng)} 用户登录 IP `,
      v,
      ` 异常，已锁定 ${rng.int(1, 30)} 分钟`,
    ],
  },
  {
    format: 'logfmt',
    place: (rng, v) => [
      `level=info client.address=`,
      v,
      ` http.route=${noise.path(rng)} ${noise.logfmtField(rng)}`,
    ],
  },
];

const IPV6_EXTRA: Placement[] = [
  {
    format: 'line-en',
    place: (rng, v) => [
      `${noise.plainTime(rng)} http: TLS handshake error from [`,
      v,
      `]:${rng.int(1024, 65535)}: EOF`,
    ],
  },
  {
    format: 'json',
    place: (rng, v) => [`{"peer":"[`, v, `]:${rng.int(1024, 65535)}","proto":"h2"}`],
  },
];

const IPV4_EXTRA: Placement[] = [
  {
    format: 'line-en',
    place: (rng, v) => [
      `${noise.plainTime(rng)} http: TLS handshake error from `,
      v,
      `:${rng.int(1024, 65535)}: EOF`,
    ],
  },
  {
    format: 'line-en',
    place: (rng, v) => [`X-Forwarded-For: `, v, `, `, labelled('ipv4', values.ipv4(rng))],
  },
];

export const NETWORK_KINDS: KindSpec[] = [
  {
    kind: 'ipv4 client',
    make: as('ipv4', values.ipv4),
    placements: [...IP_PLACEMENTS, ...IPV4_EXTRA],
  },
  {
    kind: 'ipv6 client',
    make: as('ipv6', values.ipv6),
    placements: [...IP_PLACEMENTS, ...IPV6_EXTRA],
  },
  {
    kind: 'mac address',
    make: as('macAddress', values.mac),
    placements: [
      {
        format: 'logfmt',
        place: (rng, v) => [
          `level=info msg="device registered" mac=`,
          v,
          ` ${noise.logfmtField(rng)}`,
        ],
      },
      {
        format: 'line-en',
        place: (rng, v) => [
          `${noise.plainTime(rng)} dhcpd: DHCPACK on `,
          labelled('ipv4', values.ipv4(rng)),
          ` to `,
          v,
          ` via eth0`,
        ],
      },
      {
        format: 'json',
        place: (rng, v) => [`{"event":"wifi_join","bssid":"`, v, `","rssi":-${rng.int(30, 90)}}`],
      },
      { format: 'line-zh', place: (_rng, v) => [`设备 MAC 地址 `, v, ` 已绑定到账号`] },
      { format: 'line-en', place: (_rng, v) => [`   Physical Address. . . . . . . . . : `, v] },
    ],
  },
];

export const CHINESE_ID_KINDS: KindSpec[] = [
  {
    kind: 'cn landline',
    make: as('cnLandline', values.cnLandline),
    placements: [
      {
        format: 'line-zh',
        place: (rng, v) => [`${noise.plainTime(rng)} 客户联系电话：`, v, `，${noise.zhVerb(rng)}`],
      },
      { format: 'line-zh', place: (_rng, v) => [`门店电话 `, v, ` 营业时间 9:00-21:00`] },
      {
        format: 'logfmt',
        place: (rng, v) => [
          `level=info store=${rng.int(1, 999)} tel=`,
          v,
          ` ${noise.logfmtField(rng)}`,
        ],
      },
      { format: 'json', place: (_rng, v) => [`{"contact":{"landline":"`, v, `","ext":"204"}}`] },
      {
        format: 'line-en',
        place: (_rng, v) => [`call the office at `, v, ` ext. 12 before 17:00`],
      },
    ],
  },
  {
    kind: 'passport',
    make: as('passport', values.passportNumber),
    placements: [
      {
        format: 'line-zh',
        place: (rng, v) => [`${noise.plainTime(rng)} 旅客护照号：`, v, ` 核验通过`],
      },
      { format: 'line-zh', place: (_rng, v) => [`护照号码 `, v, `，有效期至 2031-05-01`] },
      {
        format: 'logfmt',
        place: (rng, v) => [
          `level=info msg="visa check" passport_no=`,
          v,
          ` ${noise.logfmtField(rng)}`,
        ],
      },
      {
        format: 'json',
        place: (_rng, v) => [`{"traveller":{"passportNumber":"`, v, `","nationality":"CN"}}`],
      },
      {
        format: 'sql',
        place: (rng, v) => [
          `INSERT INTO travellers (id, passport_no, seat) VALUES (${rng.int(1, 9999)}, '`,
          v,
          `', '${rng.int(1, 40)}A')`,
        ],
      },
    ],
  },
  {
    kind: 'hk id',
    make: as('hkId', values.hkId),
    placements: [
      { format: 'line-zh', place: (_rng, v) => [`香港身份证 `, v, ` 已实名认证`] },
      {
        format: 'logfmt',
        place: (rng, v) => [`level=info kyc=passed hkid=`, v, ` ${noise.logfmtField(rng)}`],
      },
      {
        format: 'json',
        place: (_rng, v) => [`{"applicant":{"id_type":"HKID","id_no":"`, v, `"}}`],
      },
      {
        format: 'line-en',
        place: (rng, v) => [
          `${noise.plainTime(rng)} INFO verified HKID `,
          v,
          ` for account ${rng.int(1000, 99999)}`,
        ],
      },
    ],
  },
  {
    kind: 'tw id',
    make: as('twId', values.twId),
    placements: [
      { format: 'line-zh', place: (_rng, v) => [`身分證字號 `, v, ` 驗證成功`] },
      {
        format: 'logfmt',
        place: (rng, v) => [`level=info national_id=`, v, ` ${noise.logfmtField(rng)}`],
      },
      { format: 'json', place: (_rng, v) => [`{"member":{"twid":"`, v, `","tier":"gold"}}`] },
      { format: 'line-en', place: (_rng, v) => [`Taiwan ID `, v, ` matched the record`] },
    ],
  },
  {
    kind: 'bank card',
    make: as('paymentCard', values.bankCard),
    placements: [
      {
        format: 'line-zh',
        place: (rng, v) => [`${noise.plainTime(rng)} 支付失败 卡号：`, v, ` 余额不足`],
      },
      { format: 'line-zh', place: (_rng, v) => [`绑定银行卡号 `, v, ` 成功`] },
      {
        format: 'logfmt',
        place: (rng, v) => [
          `level=warn msg="bind card" bank_card_no=`,
          v.value.includes(' ') ? `"` : '',
          v,
          v.value.includes(' ') ? `"` : '',
          ` ${noise.logfmtField(rng)}`,
        ],
      },
      {
        format: 'json',
        place: (_rng, v) => [`{"payment":{"bankCardNo":"`, v, `","bank":"ICBC"}}`],
      },
      { format: 'line-zh', place: (_rng, v) => [`退款到卡号`, v, `，预计3个工作日到账`] },
    ],
  },
];

const nameField = (rng: Rng): Labelled =>
  labelled('personName', rng.next() < 0.5 ? values.chineseName(rng) : values.englishName(rng));

export const NAME_AND_ADDRESS_KINDS: KindSpec[] = [
  {
    kind: 'person name',
    make: (rng) => nameField(rng),
    placements: [
      {
        format: 'line-zh',
        place: (rng, v) => [`${noise.plainTime(rng)} 实名认证 姓名：`, v, `，${noise.zhVerb(rng)}`],
      },
      { format: 'line-zh', place: (_rng, v) => [`持卡人姓名=`, v, ` 卡片状态=正常`] },
      {
        format: 'logfmt',
        place: (rng, v) => [
          `level=info msg="order placed" name="`,
          v,
          `" ${noise.logfmtField(rng)}`,
        ],
      },
      {
        format: 'json',
        place: (rng, v) => [
          `{"order_id":${rng.int(1, 99999)},"customer_name":"`,
          v,
          `","total":${rng.int(1, 999)}.00}`,
        ],
      },
      {
        format: 'sql',
        place: (rng, v) => [
          `UPDATE users SET full_name = '`,
          v,
          `' WHERE id = ${rng.int(1, 99999)};`,
        ],
      },
      { format: 'line-zh', place: (_rng, v) => [`收货人：`, v, ` 已签收`] },
    ],
  },
  {
    kind: 'person name',
    make: (rng) => labelled('personName', values.firstName(rng)),
    placements: [
      {
        format: 'json',
        place: (rng, v) => [
          `{"user":{"firstName":"`,
          v,
          `","lastName":"`,
          labelled('personName', values.lastName(rng)),
          `"}}`,
        ],
      },
      {
        format: 'sql',
        place: (rng, v) => [
          `INSERT INTO ${noise.table(rng)} (first_name, last_name, plan) VALUES ('`,
          v,
          `', '`,
          labelled('personName', values.lastName(rng)),
          `', 'pro')`,
        ],
      },
    ],
  },
  {
    kind: 'cn address',
    make: as('address', values.chineseAddress),
    placements: [
      {
        format: 'line-zh',
        place: (rng, v) => [`${noise.plainTime(rng)} 收货地址：`, v, `，${noise.zhVerb(rng)}`],
      },
      {
        format: 'logfmt',
        place: (rng, v) => [`level=info address="`, v, `" ${noise.logfmtField(rng)}`],
      },
      {
        format: 'json',
        place: (rng, v) => [`{"order_id":${rng.int(1, 99999)},"shipping_address":"`, v, `"}`],
      },
      {
        format: 'line-zh',
        place: (rng, v) => [
          `家庭住址 `,
          v,
          ` 电话 `,
          labelled('phone', `1${rng.pick(['38', '39', '50', '86'])}${rng.digits(8)}`),
        ],
      },
      {
        format: 'sql',
        place: (rng, v) => [
          `INSERT INTO addresses (user_id, address) VALUES (${rng.int(1, 9999)}, '`,
          v,
          `')`,
        ],
      },
    ],
  },
  {
    kind: 'street address',
    make: as('address', values.streetAddress),
    placements: [
      {
        format: 'line-en',
        place: (rng, v) => [
          `${noise.plainTime(rng)} INFO shipping label printed for `,
          v,
          ` (order ${rng.int(1000, 99999)})`,
        ],
      },
      {
        format: 'logfmt',
        place: (rng, v) => [`level=info billing_address="`, v, `" ${noise.logfmtField(rng)}`],
      },
      { format: 'json', place: (_rng, v) => [`{"customer":{"address":"`, v, `","country":"US"}}`] },
      { format: 'line-en', place: (_rng, v): Piece[] => [`Deliver to: `, v] },
    ],
  },
];
