#!/usr/bin/env python3
"""A current ClickHouse engine (chDB, in-process) behind the part of ClickHouse's HTTP
interface that @clickhouse/client uses, so tests can run the product's real client,
writer and migrations against a current engine where no current clickhouse-server
package can be installed.

  python3 server.py --path DIR [--host 127.0.0.1] [--port 0] [--insert-delay-ms 0]

Prints one JSON line ({"port": N, "version": "..."}) on stdout once it accepts requests.
One chDB session on DIR (data survives between requests); requests are served by
threads and run one at a time behind a lock. What it cannot reproduce is listed in
docs/storage.md (section "The chDB adapter").
"""

import argparse
import gzip
import json
import os
import re
import signal
import socket
import sys
import threading
import time
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

try:
    from chdb import session as chdb_session
except ImportError as import_error:
    sys.stderr.write(
        "chdb is not installed for %s (%s). `npm test` installs it into .telepipe/venv; "
        "or run `npx tsx infra/setup/test-prereqs.ts`.\n" % (sys.executable, import_error)
    )
    sys.exit(3)

# HTTP parameters the server reads itself; every other parameter is a setting
# (ClickHouse's HTTPHandler keeps the same distinction).
RESERVED_PARAMS = {
    "query", "query_id", "database", "default_format", "compress", "decompress", "user",
    "password", "quota_key", "stacktrace", "role", "buffer_size", "wait_end_of_query",
    "session_id", "session_timeout", "session_check", "client_protocol_version",
    "close_session", "readonly",
}  # fmt: skip

# ClickHouse's exceptionCodeToHTTPStatus, by error name (the name ends every message).
STATUS_BY_ERROR = {
    "REQUIRED_PASSWORD": 401,
    **dict.fromkeys(
        ["UNKNOWN_USER", "WRONG_PASSWORD", "AUTHENTICATION_FAILED", "SET_NON_GRANTED_ROLE",
         "ACCESS_DENIED"], 403),
    **dict.fromkeys(
        ["BAD_ARGUMENTS", "CANNOT_COMPILE_REGEXP", "CANNOT_PARSE_TEXT",
         "CANNOT_PARSE_ESCAPE_SEQUENCE", "CANNOT_PARSE_QUOTED_STRING", "CANNOT_PARSE_DATE",
         "CANNOT_PARSE_DATETIME", "CANNOT_PARSE_NUMBER", "CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING",
         "CANNOT_PARSE_IPV4", "CANNOT_PARSE_IPV6", "CANNOT_PARSE_INPUT_ASSERTION_FAILED",
         "CANNOT_PARSE_UUID", "DUPLICATE_COLUMN", "ILLEGAL_COLUMN", "UNKNOWN_ELEMENT_IN_AST",
         "UNKNOWN_TYPE_OF_AST_NODE", "THERE_IS_NO_COLUMN", "TOO_DEEP_AST", "TOO_BIG_AST",
         "UNEXPECTED_AST_STRUCTURE", "SYNTAX_ERROR", "INCORRECT_DATA", "TYPE_MISMATCH",
         "VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE"], 400),
    **dict.fromkeys(
        ["UNKNOWN_TABLE", "UNKNOWN_FUNCTION", "UNKNOWN_IDENTIFIER", "UNKNOWN_TYPE",
         "UNKNOWN_STORAGE", "UNKNOWN_DATABASE", "UNKNOWN_SETTING", "UNKNOWN_DIRECTION_OF_SORTING",
         "UNKNOWN_AGGREGATE_FUNCTION", "UNKNOWN_FORMAT", "UNKNOWN_DATABASE_ENGINE",
         "UNKNOWN_TYPE_OF_QUERY", "UNKNOWN_ROLE"], 404),
    "QUERY_IS_TOO_LARGE": 413,
    "NOT_IMPLEMENTED": 501,
    **dict.fromkeys(["SOCKET_TIMEOUT", "CANNOT_OPEN_FILE", "CANNOT_SCHEDULE_TASK"], 503),
    "HTTP_LENGTH_REQUIRED": 411,
    "TIMEOUT_EXCEEDED": 408,
    "UNSUPPORTED_MEDIA_TYPE": 415,
}  # fmt: skip

READ_KINDS = {"SELECT", "WITH", "SHOW", "DESCRIBE", "DESC", "EXISTS", "EXPLAIN", "CHECK"}


class ServerError(Exception):
    """An exception as the server reports it: code, message, error name."""

    ERROR_RE = re.compile(
        r"Code: (?P<code>\d+)\. DB::Exception: (?P<message>.*?)\.? \((?P<name>[A-Z0-9_]+)\)"
        r"(?: \(version [^)]*\))?\s*$",
        re.S,
    )

    def __init__(self, code, name, message):
        super().__init__(message)
        self.code = code
        self.name = name
        self.message = message

    @classmethod
    def from_engine(cls, err):
        text = str(err)
        # Streaming inserts prefix the engine's text ("Streaming insert finish failed: ").
        start = text.find("Code: ")
        match = cls.ERROR_RE.match(text[start:]) if start >= 0 else None
        if not match:
            return cls(1001, "STD_EXCEPTION", text.strip())
        return cls(int(match["code"]), match["name"], match["message"])

    def status(self):
        return STATUS_BY_ERROR.get(self.name, 500)

    def body(self, version):
        return "Code: %d. DB::Exception: %s. (%s) (version %s)\n" % (
            self.code, self.message, self.name, version)  # fmt: skip


def not_implemented(what):
    return ServerError(48, "NOT_IMPLEMENTED", "%s is not implemented by the chDB test adapter" % what)


# ---- the little SQL lexing the HTTP layer needs (ClickHouse parses the query itself) ----

WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def top_level_words(text):
    """(word, start, end) of the bare words (and `;`) outside brackets, quotes, comments.

    `text` is latin-1 decoded bytes, so positions are byte offsets. In an INSERT, stops
    after the word following the first FORMAT: the data starts there and is not SQL.
    """
    words, depth, i, n = [], 0, 0, len(text)
    while i < n:
        c = text[i]
        if c in "'\"`":
            i += 1
            while i < n and text[i] != c:
                i += 2 if text[i] == "\\" else 1
            i += 1
        elif text.startswith("--", i) or c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif c in "([{":
            depth += 1
            i += 1
        elif c in ")]}":
            depth -= 1
            i += 1
        elif c == ";" and depth == 0:
            words.append((";", i, i + 1))
            i += 1
        elif c.isalpha() or c == "_":
            m = WORD_RE.match(text, i)
            if depth == 0:
                words.append((m.group(0), m.start(), m.end()))
                if (
                    len(words) >= 2
                    and words[0][0].upper() == "INSERT"
                    and words[-2][0].upper() == "FORMAT"
                ):
                    return words
            i = m.end()
        else:
            i += 1
    return words


class Request:
    """One HTTP request split into what the engine needs."""

    def __init__(self, method, params, headers, body):
        self.method = method
        self.database = params.pop("database", "") or headers.get("X-ClickHouse-Database", "")
        self.default_format = (
            params.pop("default_format", "") or headers.get("X-ClickHouse-Format", "") or "TabSeparated"
        )
        self.readonly = params.pop("readonly", "0") not in ("", "0") or method == "GET"
        if params.pop("session_id", ""):
            raise not_implemented("session_id (HTTP sessions)")
        if params.get("compress", "0") != "0" or params.get("decompress", "0") != "0":
            raise not_implemented("ClickHouse's native compression (compress/decompress)")
        self.query_params = {k[len("param_"):]: v for k, v in params.items() if k.startswith("param_")}
        self.settings = {
            k: v for k, v in params.items() if k not in RESERVED_PARAMS and not k.startswith("param_")
        }
        # As the server does: a query in the URL is followed by the body (INSERT data,
        # or the rest of the query); without one, the body is the query.
        query = params.get("query", "")
        full = (query.encode("utf-8") + b"\n" + body) if query else body
        if not full.strip():
            raise ServerError(62, "SYNTAX_ERROR", "Empty query")
        self.parse(full)

    def parse(self, full):
        text = full.decode("latin-1")
        words = top_level_words(text)
        if not words:
            raise ServerError(62, "SYNTAX_ERROR", "Empty query")
        self.kind = words[0][0].upper()
        semicolons = [w for w in words if w[0] == ";"]
        if semicolons and text[semicolons[0][2]:].strip(" \t\r\n;"):
            raise ServerError(62, "SYNTAX_ERROR", "Multi-statements are not allowed")
        self.insert_format = None
        settings_words = [w for w in words if w[0].upper() == "SETTINGS"]
        self.has_settings_clause = bool(settings_words)
        if self.kind == "INSERT" and len(words) >= 2 and words[-2][0].upper() == "FORMAT":
            name, name_end = words[-1][0], words[-1][2]
            # The data starts after the format name's line: blanks, then one newline.
            start = name_end
            while start < len(full) and full[start : start + 1] in (b" ", b"\t", b"\r"):
                start += 1
            if full[start : start + 1] == b"\n":
                start += 1
            self.insert_format = name
            self.sql = full[: words[-2][1]].decode("utf-8").rstrip()
            # Where an INSERT's own SETTINGS clause starts: FROM INFILE goes before it.
            at = settings_words[0][1] if settings_words else words[-2][1]
            self.settings_at = len(full[:at].decode("utf-8"))
            self.insert_data = full[start:]
            self.output_format = self.default_format
        else:
            self.sql = full.decode("utf-8")
            formats = [
                words[i + 1][0]
                for i in range(len(words) - 1)
                if words[i][0].upper() == "FORMAT"
            ]
            self.output_format = formats[-1] if formats else self.default_format
        if self.readonly and self.kind not in READ_KINDS:
            raise ServerError(
                164,
                "READONLY",
                "Cannot execute query in readonly mode. For queries over HTTP, method GET "
                "implies readonly. You should use method POST for modifying queries",
            )


def literal(value):
    return "'%s'" % value.replace("\\", "\\\\").replace("'", "\\'")


class Engine:
    """The one chDB session; every request runs under its lock."""

    def __init__(self, path):
        self.session = chdb_session.Session(path)
        # INSERT data goes through this file (see insert); requests run one at a time.
        self.data_file = os.path.join(path, ".chdb-http-insert-data")
        self.lock = threading.Lock()
        # A server does not run bare expressions as SELECTs; chDB's default does.
        self.session.query("SET implicit_select = 0")
        row = self.session.query("SELECT version(), timezone()", "TabSeparated").bytes()
        self.version, self.timezone = row.decode().strip().split("\t")
        # Every setting's value now, to put back after a request changed it. Explicit
        # values, not `SET x = DEFAULT`, which leaves some (async_insert) as they were.
        self.initial = self.settings("")

    def settings(self, where):
        out = self.session.query("SELECT name, value FROM system.settings " + where, "JSONCompactEachRow")
        return dict(json.loads(line) for line in out.bytes().decode().splitlines() if line)

    def restore(self, names):
        names = [n for n in names if n in self.initial]  # an unknown name was never applied
        if names:
            self.session.query("SET " + ", ".join("%s = %s" % (n, literal(self.initial[n])) for n in names))

    def execute(self, req):
        """Runs the request; returns (body bytes, summary dict)."""
        started = time.monotonic()
        leaked_settings = req.kind == "SET" or (req.insert_format is not None and req.has_settings_clause)
        with self.lock:
            try:
                if req.database:
                    self.session.query("USE `%s`" % req.database.replace("`", "\\`"))
                if req.settings:
                    self.session.query(
                        "SET " + ", ".join("%s = %s" % (k, literal(v)) for k, v in req.settings.items())
                    )
                if req.insert_format is not None:
                    rows, size = self.insert(req)
                    summary = {"read_rows": rows, "read_bytes": size, "written_rows": rows,
                               "written_bytes": size}  # fmt: skip
                    body = b""
                else:
                    res = self.session.query(req.sql, req.default_format, params=req.query_params or None)
                    body = res.bytes()
                    summary = {"read_rows": res.rows_read(), "read_bytes": res.bytes_read(),
                               "written_rows": res.rows_written(), "written_bytes": res.bytes_written()}  # fmt: skip
            except ServerError:
                raise
            except Exception as err:  # the engine's exceptions carry code and name in the text
                raise ServerError.from_engine(err) from err
            finally:
                self.reset(req, leaked_settings)
        summary.update(
            total_rows_to_read=summary["read_rows"],
            result_rows=0,  # chDB does not report the result's row count
            result_bytes=len(body),
            elapsed_ns=int((time.monotonic() - started) * 1e9),
        )
        return body, {k: str(v) for k, v in summary.items()}

    def insert(self, req):
        """Runs an INSERT with its data; returns (rows, bytes) written.

        Through a file, not chDB's streaming insert (send_insert): that one reports the rows
        written but silently stores nothing when the block fails on the server side (a
        DEFAULT that throws, for one), where a server answers with the error.
        """
        with open(self.data_file, "wb") as out:
            out.write(req.insert_data)
        head, tail = req.sql[: req.settings_at].rstrip(), req.sql[req.settings_at :]
        res = self.session.query(
            "%s FROM INFILE %s %s FORMAT %s" % (head, literal(self.data_file), tail, req.insert_format)
        )
        return res.rows_written(), len(req.insert_data)

    def reset(self, req, leaked_settings):
        """Undoes per-request state, so requests stay independent as on a server."""
        self.restore(list(req.settings))
        if leaked_settings:
            # SET statements and an INSERT's own SETTINGS clause change the session.
            now = self.settings("WHERE changed")
            self.restore(sorted(n for n, v in now.items() if v != self.initial.get(n)))
        if req.database or req.kind == "USE":
            self.session.query("USE default")

    def close(self):
        with self.lock:
            self.session.close()


CONTENT_TYPES = [
    (re.compile(r"^(TabSeparated|TSV)", re.I), "text/tab-separated-values; charset=UTF-8"),
    (re.compile(r"^(JSON|NDJSON)", re.I), "application/json; charset=UTF-8"),
    (re.compile(r"^CSV", re.I), "text/csv; charset=UTF-8; header=absent"),
    (re.compile(r"^(RowBinary|Native|Parquet|Arrow|ORC|Avro)", re.I), "application/octet-stream"),
]


def content_type(fmt):
    for pattern, ctype in CONTENT_TYPES:
        if pattern.match(fmt):
            return ctype
    return "text/plain; charset=UTF-8"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the client's socket pool expects
    timeout = 10  # idle keep-alive sockets close after this (announced in Keep-Alive)
    server_version = "chdb-http"

    def log_message(self, format, *args):  # noqa: A002 (BaseHTTPRequestHandler's name)
        pass  # the tests own stdout and stderr

    def do_GET(self):
        self.handle_request("GET")

    def do_POST(self):
        self.handle_request("POST")

    def handle_request(self, method):
        engine = self.server.engine
        url = urlsplit(self.path)
        body = self.read_body()
        if url.path in ("/ping", "/replicas_status") or (url.path == "/" and method == "GET" and not url.query):
            return self.reply(200, b"Ok.\n", {"Content-Type": "text/html; charset=UTF-8"})
        if url.path != "/":
            return self.reply(404, ("There is no handle %s\n" % url.path).encode(), {})
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        query_id = params.pop("query_id", "") or str(uuid.uuid4())
        headers = {
            "X-ClickHouse-Query-Id": query_id,
            "X-ClickHouse-Timezone": engine.timezone,
            "X-ClickHouse-Server-Display-Name": socket.gethostname(),
        }
        try:
            req = Request(method, params, self.headers, self.decompress(body))
            if req.insert_format is not None:
                # Outside the engine's lock: concurrent INSERTs are in flight together.
                time.sleep(self.server.insert_delay_s)
            out, summary = engine.execute(req)
        except ServerError as err:
            headers["X-ClickHouse-Exception-Code"] = str(err.code)
            headers["Content-Type"] = "text/plain; charset=UTF-8"
            return self.reply(err.status(), err.body(engine.version).encode(), headers)
        headers["X-ClickHouse-Format"] = req.output_format
        headers["X-ClickHouse-Summary"] = json.dumps(summary, separators=(",", ":"))
        headers["Content-Type"] = content_type(req.output_format)
        if req.settings.get("enable_http_compression") == "1":
            out = self.compress(out, headers)
        self.reply(200, out, headers)

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def decompress(self, body):
        encoding = self.headers.get("Content-Encoding", "").lower()
        if encoding in ("", "identity"):
            return body
        if encoding in ("gzip", "x-gzip"):
            return gzip.decompress(body)
        if encoding == "deflate":
            return zlib.decompress(body)
        raise not_implemented("Content-Encoding %s (gzip and deflate are)" % encoding)

    def compress(self, out, headers):
        accepted = [e.strip().split(";")[0] for e in self.headers.get("Accept-Encoding", "").split(",")]
        if "gzip" in accepted:
            headers["Content-Encoding"] = "gzip"
            return gzip.compress(out)
        if "deflate" in accepted:
            headers["Content-Encoding"] = "deflate"
            return zlib.compress(out)
        return out

    def reply(self, status, body, headers):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Keep-Alive", "timeout=%d" % self.timeout)
        self.end_headers()
        self.wfile.write(body)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, engine, insert_delay_s):
        super().__init__(address, Handler)
        self.engine = engine
        self.insert_delay_s = insert_delay_s


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--path", required=True, help="database directory (created if missing)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument(
        "--insert-delay-ms", type=int, default=0,
        help="hold every INSERT this long before running it (a slower server: crash tests "
        "need INSERTs in flight when they kill the client)",
    )  # fmt: skip
    args = parser.parse_args()

    engine = Engine(args.path)
    server = Server((args.host, args.port), engine, args.insert_delay_ms / 1000)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(json.dumps({"port": server.server_address[1], "version": engine.version}), flush=True)
    stop.wait()
    server.shutdown()
    engine.close()


if __name__ == "__main__":
    main()
