#!/usr/bin/env python3
"""A local dyndns2 provider for tests/integration/ingest_dyndns.t.

Serves HTTPS on 127.0.0.1 with the given certificate and records every
request it gets, one line each, in DIR/requests.log:

    CLIENT_ADDRESS <TAB> PATH?QUERY <TAB> AUTHORIZATION-HEADER

GET /ip answers "Current IP Address: " + the contents of DIR/ip (as
checkip.dy.fi does); GET /nic/update answers the contents of DIR/answer,
with "$myip" replaced by the query's myip ("good $myip" when the file is
missing).  It binds port 0 and writes the port it got to DIR/port.

    dyndns_stub.py DIR CERT KEY
"""
import http.server
import os
import ssl
import sys
import urllib.parse

DIR, CERT, KEY = sys.argv[1:4]


def read(name, default):
    try:
        with open(os.path.join(DIR, name)) as f:
            return f.read().strip()
    except FileNotFoundError:
        return default


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(os.path.join(DIR, "requests.log"), "a") as log:
            log.write("%s\t%s\t%s\n" % (self.client_address[0], self.path,
                                        self.headers.get("Authorization", "-")))
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/ip":
            body = "Current IP Address: %s\n" % read("ip", "192.0.2.1")
        elif url.path == "/nic/update":
            q = urllib.parse.parse_qs(url.query)
            body = read("answer", "good $myip").replace(
                "$myip", q.get("myip", [""])[0]) + "\n"
        else:
            self.send_error(404)
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(CERT, KEY)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(os.path.join(DIR, "port.tmp"), "w") as f:
    f.write("%d\n" % srv.server_address[1])
os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
srv.serve_forever()
