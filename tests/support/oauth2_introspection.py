#!/usr/bin/env python3
"""A token-introspection endpoint (RFC 7662) for Dovecot's oauth2 passdb in the
tests: POST token=<token> answers {"active": true, "username": <user>} for a
token given on the command line as TOKEN=USER, else {"active": false}.
Listens on 127.0.0.1, an ephemeral port, and writes "port N" on stderr once it
accepts connections, so the test reads the port without a race. Runs until
killed (the test's ChildProcess stops it)."""
import http.server
import json
import sys
import urllib.parse

TOKENS = dict(arg.split("=", 1) for arg in sys.argv[1:])


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        token = form.get("token", [""])[0]
        user = TOKENS.get(token)
        body = {"active": True, "username": user} if user else {"active": False}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):
        sys.stderr.write("introspection: " + (fmt % args) + "\n")


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
sys.stderr.write("port %d\n" % server.server_address[1])
sys.stderr.flush()
server.serve_forever()
