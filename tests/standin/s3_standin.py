#!/usr/bin/env python3
"""s3_standin.py: a small S3-compatible server on loopback that records
every request, for the tests of the off-site backup client. Python standard
library only; objects live in memory.

    s3_standin.py --port 0 --port-file FILE --record FILE [--idle 120]

Speaks path-style S3 for one bucket, "bk": PUT object, GET object, DELETE
object, ListObjectsV2 (GET /bk?list-type=2&prefix=P, two keys a page, with
continuation tokens), and multipart uploads (POST ?uploads, PUT
?partNumber=N&uploadId=U, POST ?uploadId=U with the parts' list, DELETE
?uploadId=U). Upload ids hold '/', '+' and '=' so that a client must encode
them. It checks no signature: it appends each request (method, target as
sent, headers) as a JSON line to the --record file, for the test to check
the signatures itself.
"""
import argparse
import json
import os
import re
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

BUCKET = "bk"
PAGE = 2
objects = {}
uploads = {}
last_request = time.monotonic()
record_path = None


def xml_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body=b"", extra=None):
        self.send_response(status)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, status, code):
        self.reply(status, f"<Error><Code>{code}</Code></Error>".encode())

    def handle_any(self):
        global last_request
        last_request = time.monotonic()
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        with open(record_path, "a") as f:
            f.write(json.dumps({"method": self.command, "target": self.path,
                                "headers": [[k, v] for k, v in self.headers.items()]}) + "\n")
        if "x-amz-content-sha256" not in self.headers or \
                not self.headers.get("Authorization", "").startswith("AWS4-HMAC-SHA256 "):
            return self.error(403, "AccessDenied")
        url = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        parts = unquote(url.path).split("/", 2)
        if len(parts) < 2 or parts[1] != BUCKET:
            return self.error(404, "NoSuchBucket")
        key = parts[2] if len(parts) > 2 else None
        m = self.command
        if key is None and m == "GET" and q.get("list-type") == "2":
            return self.list(q)
        if key is None:
            return self.error(400, "InvalidRequest")
        if m == "POST" and "uploads" in q:
            uid = f"up/{len(uploads) + 1}+x=="
            uploads[uid] = {}
            return self.reply(200, f"<InitiateMultipartUploadResult><UploadId>{xml_escape(uid)}"
                                   f"</UploadId></InitiateMultipartUploadResult>".encode())
        if "uploadId" in q:
            up = uploads.get(q["uploadId"])
            if up is None:
                return self.error(404, "NoSuchUpload")
            if m == "PUT":
                up[int(q["partNumber"])] = body
                return self.reply(200, extra={"ETag": f'"etag-{q["partNumber"]}"'})
            if m == "POST":
                listed = [int(x) for x in re.findall(rb"<PartNumber>(\d+)</PartNumber>", body)]
                if not listed or listed != sorted(up):
                    return self.error(400, "InvalidPart")
                objects[key] = b"".join(up[i] for i in listed)
                del uploads[q["uploadId"]]
                return self.reply(200, b"<CompleteMultipartUploadResult/>")
            if m == "DELETE":
                del uploads[q["uploadId"]]
                return self.reply(204)
        if m == "PUT":
            objects[key] = body
            return self.reply(200, extra={"ETag": '"x"'})
        if m == "GET":
            if key not in objects:
                return self.error(404, "NoSuchKey")
            return self.reply(200, objects[key])
        if m == "DELETE":
            objects.pop(key, None)
            return self.reply(204)
        return self.error(400, "InvalidRequest")

    def list(self, q):
        keys = sorted(k for k in objects if k.startswith(q.get("prefix", "")))
        start = int(q.get("continuation-token", "0") or 0)
        page, more = keys[start:start + PAGE], start + PAGE < len(keys)
        body = "<ListBucketResult>" + "".join(
            f"<Contents><Key>{xml_escape(k)}</Key></Contents>" for k in page)
        body += f"<IsTruncated>{'true' if more else 'false'}</IsTruncated>"
        if more:
            body += f"<NextContinuationToken>{start + PAGE}</NextContinuationToken>"
        self.reply(200, (body + "</ListBucketResult>").encode())

    do_GET = do_PUT = do_POST = do_DELETE = handle_any


def main():
    global record_path
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--record", required=True)
    ap.add_argument("--idle", type=float, default=120.0)
    args = ap.parse_args()
    record_path = args.record
    srv = HTTPServer(("127.0.0.1", args.port), Handler)
    srv.timeout = 0.5
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, args.port_file)
    parent = os.getppid()
    try:
        while time.monotonic() - last_request < args.idle and os.getppid() == parent:
            srv.handle_request()
    finally:
        srv.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
