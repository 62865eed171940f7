// The later kinds of personal data for the corpus: for each, how its values are made and
// the places real logs put them (English and Chinese lines, JSON, logfmt, access logs, Go
// panics, SQL). Every case draws a fresh value and fresh surroundings. This file has the
// credentials; encoded values and the kinds that identify people are in their own files.
import type { DetectorName } from '../../../lib/config/sections/redaction.ts';
import type { CorpusFormat, Piece, Rng } from './corpus-common.ts';
import * as noise from './corpus-noise.ts';
import * as values from './corpus-values.ts';

export interface Labelled {
  type: DetectorName;
  value: string;
}

/** One way a kind is written: its format and the pieces around the labelled value. */
export interface Placement {
  format: CorpusFormat;
  place: (rng: Rng, v: Labelled) => Piece[];
}

export interface KindSpec {
  kind: string;
  make: (rng: Rng) => Labelled;
  placements: Placement[];
}

export const as =
  (type: DetectorName, value: (rng: Rng) => string) =>
  (rng: Rng): Labelled => ({ type, value: value(rng) });

/** A labelled IPv4 client address, for lines that carry one besides the kind under test. */
export const clientIp = (rng: Rng): Labelled => ({ type: 'ipv4', value: values.ipv4(rng) });

export const accessLog = (rng: Rng, request: Piece[]): Piece[] => [
  clientIp(rng),
  ` - - ${noise.accessTime(rng)} "`,
  ...request,
  `" ${noise.status(rng)} ${rng.int(20, 90000)} "-" "${noise.userAgent(rng)}"`,
];

const TOKEN_PLACEMENTS = (envName: string): Placement[] => [
  {
    format: 'logfmt',
    place: (rng, v) => [
      `level=${noise.level(rng)} msg="loaded env" ${envName}=`,
      v,
      ` ${noise.logfmtField(rng)}`,
    ],
  },
  {
    format: 'json',
    place: (rng, v) => [
      `{"msg":"config loaded","service":"${noise.service(rng)}","api_key":"`,
      v,
      '"}',
    ],
  },
  {
    format: 'line-en',
    place: (rng, v) => [
      `${noise.plainTime(rng)} WARN credential `,
      v,
      ` was rejected by upstream (${noise.status(rng)})`,
    ],
  },
  {
    format: 'go-panic',
    place: (rng, v) => [
      `panic: client init failed for key `,
      v,
      `\n\n${noise.goroutineTrace(rng)}`,
    ],
  },
  { format: 'line-zh', place: (rng, v) => [`${noise.plainTime(rng)} 密钥 `, v, ` 已过期，请更换`] },
  {
    format: 'sql',
    place: (rng, v) => [
      `INSERT INTO integrations (id, provider, secret) VALUES (${rng.int(1, 999)}, 'x', '`,
      v,
      `')`,
    ],
  },
];

export const CREDENTIAL_KINDS: KindSpec[] = [
  {
    kind: 'github token',
    make: as('providerToken', values.githubToken),
    placements: [
      ...TOKEN_PLACEMENTS('GITHUB_TOKEN'),
      {
        format: 'line-en',
        place: (rng, v) => [
          `git clone https://x-access-token:`,
          v,
          `@github.com/${noise.randomWord(rng)}/app.git`,
        ],
      },
    ],
  },
  {
    kind: 'stripe key',
    make: as('providerToken', values.stripeKey),
    placements: TOKEN_PLACEMENTS('STRIPE_SECRET_KEY'),
  },
  {
    kind: 'google api key',
    make: as('providerToken', values.googleApiKey),
    placements: [
      ...TOKEN_PLACEMENTS('GOOGLE_API_KEY'),
      {
        format: 'access-log',
        place: (rng, v) =>
          accessLog(rng, ['GET /maps/api/geocode/json?address=x&key=', v, ' HTTP/1.1']),
      },
    ],
  },
  {
    kind: 'openai key',
    make: as('providerToken', values.openAiKey),
    placements: TOKEN_PLACEMENTS('OPENAI_API_KEY'),
  },
  {
    kind: 'anthropic key',
    make: as('providerToken', values.anthropicKey),
    placements: TOKEN_PLACEMENTS('ANTHROPIC_API_KEY'),
  },
  {
    kind: 'api key header',
    make: as('secretParam', values.apiKey),
    placements: [
      {
        format: 'line-en',
        place: (rng, v) => [
          `${noise.plainTime(rng)} > GET ${noise.path(rng)}\n> X-Api-Key: `,
          v,
          `\n> Accept: */*`,
        ],
      },
      {
        format: 'logfmt',
        place: (rng, v) => [
          `level=debug msg="outgoing request" x-api-key=`,
          v,
          ` ${noise.logfmtField(rng)}`,
        ],
      },
      {
        format: 'json',
        place: (rng, v) => [
          `{"headers":{"Content-Type":"application/json","X-API-KEY":"`,
          v,
          `"},"status":${noise.status(rng)}}`,
        ],
      },
      {
        format: 'go-panic',
        place: (rng, v) => [
          `${noise.plainTime(rng)} request headers: map[Accept:[application/json] X-Api-Key:[`,
          v,
          `] User-Agent:[Go-http-client/1.1]]`,
        ],
      },
      {
        format: 'line-en',
        place: (rng, v) => [
          `calling cognitive services with Ocp-Apim-Subscription-Key: `,
          v,
          ` region=eastus`,
        ],
      },
      {
        format: 'access-log',
        place: (rng, v) =>
          accessLog(rng, ['GET /translate?api-version=3.0&subscription-key=', v, ' HTTP/1.1']),
      },
      {
        format: 'line-zh',
        place: (rng, v) => [`${noise.plainTime(rng)} 请求头 X-Subscription-Key=`, v, ` 校验失败`],
      },
    ],
  },
  {
    kind: 'password value',
    make: as('secretParam', values.password),
    placements: [
      {
        format: 'logfmt',
        place: (rng, v) => [
          `ts=${noise.isoTime(rng)} msg="login" user=bob pass=`,
          v,
          ` ${noise.logfmtField(rng)}`,
        ],
      },
      {
        format: 'logfmt',
        place: (rng, v) => [
          `level=${noise.level(rng)} db_host=pg.internal pwd=`,
          v,
          ` retries=${rng.int(0, 5)}`,
        ],
      },
      {
        format: 'json',
        place: (rng, v) => [
          `{"event":"signup","username":"${noise.randomWord(rng)}","password":"`,
          v,
          `","ts":"${noise.isoTime(rng)}"}`,
        ],
      },
      {
        format: 'json',
        place: (rng, v) => [`{"smtp":{"host":"smtp.example.com","port":587,"passwd":"`, v, `"}}`],
      },
      {
        format: 'line-en',
        place: (rng, v) => [
          `${noise.plainTime(rng)} dovecot: auth: passwd-file(${noise.randomWord(rng)},`,
          clientIp(rng),
          `): Password mismatch (given password: `,
          v,
          `)`,
        ],
      },
      {
        format: 'line-en',
        place: (rng, v) => [
          `${noise.plainTime(rng)} smtp: authenticating as mailer pass=`,
          v,
          ` host=smtp.example.com:587`,
        ],
      },
      {
        format: 'line-zh',
        place: (rng, v) => [`${noise.plainTime(rng)} 用户登录失败 password=`, v, ` 原因：密码错误`],
      },
    ],
  },
  {
    kind: 'sql password',
    make: as('secretParam', values.password),
    placements: [
      {
        format: 'sql',
        place: (rng, v) => [`CREATE USER ${noise.randomWord(rng)} WITH PASSWORD '`, v, `';`],
      },
      {
        format: 'sql',
        place: (_rng, v) => [
          `ALTER ROLE reporting WITH LOGIN PASSWORD '`,
          v,
          `' VALID UNTIL '2027-01-01';`,
        ],
      },
      {
        format: 'sql',
        place: (rng, v) => [`ALTER USER '${noise.randomWord(rng)}'@'%' IDENTIFIED BY '`, v, `';`],
      },
      {
        format: 'sql',
        place: (_rng, v) => [
          `CREATE USER 'svc'@'10.0.%' IDENTIFIED WITH mysql_native_password BY '`,
          v,
          `'`,
        ],
      },
      {
        format: 'sql',
        place: (_rng, v) => [`SET PASSWORD FOR 'app'@'localhost' = PASSWORD('`, v, `');`],
      },
      {
        format: 'logfmt',
        place: (rng, v) => [
          `level=info msg="migration" stmt="CREATE LOGIN etl WITH PASSWORD = '`,
          v,
          `'" took=${noise.millis(rng)}`,
        ],
      },
    ],
  },
  {
    kind: 'mysql dsn',
    make: (rng) => ({
      type: 'urlCredentials',
      value: `${noise.randomWord(rng)}:${rng.next() < 0.4 ? encodeURIComponent(values.password(rng)) : values.password(rng).replace(/[@]/g, '')}`,
    }),
    placements: [
      {
        format: 'logfmt',
        place: (rng, v) => [
          `level=info msg="connecting" dsn="`,
          v,
          `@tcp(mysql.internal:3306)/orders?parseTime=true" ${noise.logfmtField(rng)}`,
        ],
      },
      {
        format: 'go-panic',
        place: (rng, v) => [
          `panic: sql.Open("mysql", "`,
          v,
          `@tcp(127.0.0.1:3306)/app"): dial tcp: connection refused\n\n${noise.goroutineTrace(rng)}`,
        ],
      },
      {
        format: 'json',
        place: (_rng, v) => [
          `{"component":"db","dsn":"`,
          v,
          `@unix(/var/run/mysqld/mysqld.sock)/shop?charset=utf8mb4"}`,
        ],
      },
      {
        format: 'line-zh',
        place: (_rng, v) => [`数据库连接串 `, v, `@tcp(db:3306)/crm 初始化失败`],
      },
    ],
  },
  {
    kind: 'session cookie',
    make: as('cookie', values.sessionValue),
    placements: [
      {
        format: 'line-en',
        place: (rng, v) => [
          `> Cookie: sessionid=`,
          v,
          `; csrftoken=`,
          { type: 'cookie', value: values.sessionValue(rng) },
          `; theme=`,
          { type: 'cookie', value: 'dark' },
        ],
      },
      {
        format: 'line-en',
        place: (_rng, v) => [
          `< Set-Cookie: SESSION=`,
          v,
          `; Path=/; HttpOnly; Secure; SameSite=Lax`,
        ],
      },
      {
        format: 'json',
        place: (rng, v) => [
          `{"request":{"method":"GET","cookie":"_gh_sess=`,
          v,
          `; logged_in=`,
          { type: 'cookie', value: 'yes' },
          `"},"status":${noise.status(rng)}}`,
        ],
      },
      {
        format: 'go-panic',
        place: (_rng, v) => [`headers: map[Accept:[*/*] Cookie:[JSESSIONID=`, v, `]]`],
      },
      {
        format: 'logfmt',
        place: (rng, v) => [
          `level=debug set_cookie="sid=`,
          v,
          `; Max-Age=3600; Path=/" ${noise.logfmtField(rng)}`,
        ],
      },
    ],
  },
];
