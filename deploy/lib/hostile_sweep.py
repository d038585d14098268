"""Generator and driver of deploy/hostile-sweep.sh; standard library only."""
import collections
import http.client
import json
import os
import random
import sys
import threading
import urllib.parse

ULID = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

HOSTILE_TEXT = [
    "../../../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2f", "....//....//",
    "' OR '1'='1", "'; DROP TABLE sonia.actions; --", "1; SELECT pg_sleep(10)--", "\" OR \"\"=\"",
    "$(reboot)", "`id`", "${jndi:ldap://x/a}", "{{7*7}}", "<script>alert(1)</script>", "%n%n%n%s%s",
    "\u202egnp.exe", "e\u0301\u0301\u0301", "\U0001F4A3\U0001F525", "\uFEFF", "\uFFFF\uFFFE", "\u0000",
    "\r\nX-Injected: 1", "\n{\"level\":\"fatal\"}", "\t\x0b\x0c", "null", "undefined", "NaN", "-1", "0x7fffffff",
    "A" * 300, "A" * 5000, "act_" + "0" * 26, "act_ZZZZZZZZZZZZZZZZZZZZZZZZZZ", "dlq_../x", "ses_%00",
]

# (method, path template); {id} is filled with a hostile or unknown id.
ENDPOINTS = [
    ("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/v1/health"), ("GET", "/openapi/v1.json"),
    ("GET", "/v1/sessions/{id}"), ("POST", "/v1/sessions/{id}"),
    ("POST", "/v1/actions"), ("GET", "/v1/actions"), ("GET", "/v1/actions/{id}"),
    ("POST", "/v1/actions/{id}/approve"), ("POST", "/v1/actions/{id}/deny"),
    ("GET", "/v1/breakers"), ("GET", "/v1/breakers/{id}"),
    ("POST", "/v1/breakers/{id}/reset"), ("POST", "/v1/breakers/{id}/isolate"),
    ("GET", "/v1/dlq"), ("GET", "/v1/dlq/{id}"), ("POST", "/v1/dlq/{id}/replay"), ("POST", "/v1/dlq/{id}/discard"),
    ("POST", "/v1/dlq/replay"), ("GET", "/v1/dlq/replays/{id}"), ("POST", "/v1/dlq/replays/{id}/cancel"),
    ("GET", "/v1/stream"), ("GET", "/v1/diagnostics/snapshot"), ("GET", "/v1/diagnostics/bundle"),
    ("POST", "/v1/backups"), ("GET", "/v1/backups/{id}"), ("GET", "/v1/no-such-endpoint"),
]

QUERY_NAMES = ["last_n", "status", "session_id", "wait_ms", "minutes", "dry_run", "since", "failure_class", "tool", "window_minutes"]


class Generator:
    def __init__(self, rng):
        self.rng = rng

    def unknown_id(self):
        prefix = self.rng.choice(["act_", "dlq_", "rpj_", "ses_", "no-such-dep-"])
        return prefix + "".join(self.rng.choice(ULID) for _ in range(26))

    def path_id(self):
        if self.rng.random() < 0.3:
            return self.unknown_id()
        text = self.rng.choice(HOSTILE_TEXT)
        return urllib.parse.quote(text, safe="" if self.rng.random() < 0.8 else "/")

    def query(self):
        r = self.rng.random()
        if r < 0.3:
            return ""
        if r < 0.35:
            return "?" + "&".join(f"p{i}=x" for i in range(self.rng.randint(40, 400)))
        pairs = []
        for _ in range(self.rng.randint(1, 4)):
            name = self.rng.choice(QUERY_NAMES)
            value = self.rng.choice(HOSTILE_TEXT + ["-1", "99999999999999999999", "1e309", "maybe", "2026-13-45", ""])
            pairs.append(urllib.parse.quote(name) + "=" + urllib.parse.quote(value, safe=""))
        return "?" + "&".join(pairs)

    def deep(self, depth):
        return "[" * depth + "1" + "]" * depth

    def string_value(self):
        return self.rng.choice(HOSTILE_TEXT + ["x" * self.rng.choice([65, 129, 501, 70000])])

    def submission(self):
        """Never acceptable: an unregistered tool, a non-object args, or malformed JSON."""
        tool = "no.such.tool-" + self.rng.choice(["x", "'", "\u202e", "\U0001F4A3", "../"]) if self.rng.random() < 0.7 else "echo"
        body = {"tool": tool, "args": {"v": self.string_value()}}
        if tool == "echo":
            body["args"] = self.rng.choice([[1], "args", 1, None, True])
        for _ in range(self.rng.randint(0, 3)):
            field = self.rng.choice(["session_id", "idempotency_key", "tool", "extra", "args"])
            body[field] = self.rng.choice([self.string_value(), 1, [], {}, None, 1.5e308, -0])
            if field in ("tool", "args") and body.get("tool") == "echo":
                body["args"] = [1]
        return json.dumps(body, ensure_ascii=self.rng.random() < 0.5)

    def body(self, path):
        r = self.rng.random()
        if r < 0.08:
            return b""
        if r < 0.16:
            text = self.submission()
            return text[: self.rng.randint(1, max(1, len(text) - 1))].encode("utf-8", "surrogatepass")
        if r < 0.22:
            return self.deep(self.rng.choice([33, 64, 1000, 20000])).encode()
        if r < 0.26:
            return b'{"tool":"no.such.tool","args":{"pad":"' + b"x" * self.rng.choice([1_100_000, 2_000_000]) + b'"}}'
        if r < 0.32:
            return self.rng.choice([b"\xff\xfe\xfd", b'{"tool":"\xc3\x28"}', b'{"a":"\\ud800"}', b"\x00\x00", b"NaN", b"[]", b"null", b'"s"'])
        if r < 0.40:
            return json.dumps({"args_hash": self.string_value(), "reason": self.string_value()}).encode()
        if path.endswith("/v1/dlq/replay"):
            # A batch replay stays a dry run or carries an invalid field, so nothing can start.
            body = {"failure_class": self.string_value(), "ids": [self.string_value()], "max_per_second": -1, "dry_run": True}
            return json.dumps(body).encode()
        if path.endswith("/v1/actions"):
            return self.submission().encode("utf-8", "surrogatepass")
        return json.dumps({self.string_value(): self.string_value(), "nested": {"x": [self.string_value()]}}).encode()

    def request(self):
        method, template = self.rng.choice(ENDPOINTS)
        path = template.replace("{id}", self.path_id())
        r = self.rng.random()
        if r < 0.08:
            method = self.rng.choice(["PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "FOO", "PROPFIND"])
        path += self.query()
        headers = {"User-Agent": "sonia-hostile-sweep"}
        body = None
        if method in ("POST", "PUT", "PATCH") and not (template == "/v1/sessions/{id}"):
            body = self.body(path.split("?")[0])
            headers["Content-Type"] = self.rng.choice(
                ["application/json"] * 6 + ["text/plain", "application/xml", "application/json; charset=utf-7", "multipart/form-data", "", "*/*"])
        self.hostile_headers(headers)
        return method, path, headers, body

    def hostile_headers(self, headers):
        r = self.rng.random()
        if r < 0.05:
            headers["X-Correlation-ID"] = self.rng.choice(["bad id!", "x" * 200, "a\u00e9"])
        elif r < 0.08:
            headers["X-Big"] = "h" * self.rng.choice([9000, 40000])
        elif r < 0.11:
            headers["Authorization"] = self.rng.choice(["Bearer", "Bearer " + "k" * 5000, "Basic Zm9vOmJhcg==", "Bearer ' OR 1=1--"])
        elif r < 0.13:
            headers["Content-Length"] = self.rng.choice(["-1", "abc", "99999999999"])
        elif r < 0.15:
            headers["X-Actor"] = "'; DROP TABLE x;--"
        elif r < 0.17:
            headers["Accept"] = "application/xml"


def send(base, method, path, headers, body, key):
    target = urllib.parse.urlsplit(base)
    conn_type = http.client.HTTPSConnection if target.scheme == "https" else http.client.HTTPConnection
    conn = conn_type(target.hostname, target.port, timeout=60)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        if key and "Authorization" not in headers:
            conn.putheader("Authorization", "Bearer " + key)
        sent_length = False
        for name, value in headers.items():
            if name == "Content-Length":
                sent_length = True
            conn.putheader(name, value.encode("utf-8", "surrogatepass"))
        if body is not None and not sent_length:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders()
        if body:
            try:
                conn.send(body)
            except OSError:
                # The server may refuse a huge body before reading it all: its answer is what counts.
                pass
        response = conn.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException) as error:
        return "no answer (%s)" % type(error).__name__
    finally:
        conn.close()


def describe(method, path, headers, body):
    shown = path if len(path) <= 160 else path[:160] + "...(%d chars)" % len(path)
    extra = " body=%d bytes" % len(body) if body is not None else ""
    names = ",".join(sorted(h for h in headers if h != "User-Agent"))
    return "%s %s%s headers=[%s]" % (method, shown.encode("unicode_escape").decode(), extra, names)


def main():
    base, count, workers, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    seed = int(seed) if seed else random.SystemRandom().randrange(1 << 31)
    key = os.environ.get("SONIA_API_KEY", "")
    rng = random.Random(seed)
    generator = Generator(rng)
    requests = [generator.request() for _ in range(count)]
    histogram = collections.Counter()
    failures = []
    lock = threading.Lock()
    next_index = [0]

    def work():
        while True:
            with lock:
                if next_index[0] >= len(requests):
                    return
                index = next_index[0]
                next_index[0] += 1
            method, path, headers, body = requests[index]
            status = send(base, method, path, headers, body, key)
            with lock:
                histogram[str(status) if isinstance(status, int) else "no answer"] += 1
                if not isinstance(status, int) or status >= 500:
                    failures.append("%s -> %s" % (describe(method, path, headers, body), status))

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    print("hostile sweep of %s: sent %d requests (seed %d)" % (base, count, seed))
    print("status histogram:")
    for status, n in sorted(histogram.items()):
        print("  %s: %d" % (status, n))
    print("5xx or no answer: %d" % len(failures))
    for failure in failures:
        print("  " + failure)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
