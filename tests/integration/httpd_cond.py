# httpd_cond.py -- a tiny HTTP server for tests, on 127.0.0.1 only: serves
# the files of a directory with an ETag (sha256 of the body) and
# Last-Modified, answers 304 to a matching If-None-Match, prints its port
# on stdout and logs each request (path, conditional headers, status) on
# stderr.  Usage: python3 httpd_cond.py DIR
import email.utils, hashlib, http.server, os, sys

root = sys.argv[1]


class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        path = os.path.join(root, os.path.basename(self.path))
        inm = self.headers.get('If-None-Match')
        ims = self.headers.get('If-Modified-Since')
        status = 404
        body = b''
        if os.path.isfile(path):
            body = open(path, 'rb').read()
            etag = '"%s"' % hashlib.sha256(body).hexdigest()[:16]
            status = 304 if inm == etag else 200
        sys.stderr.write('GET %s inm=%s ims=%s %d\n' % (self.path, inm, ims, status))
        sys.stderr.flush()
        self.send_response(status)
        if status == 404:
            self.send_header('Content-Length', '0')
            self.end_headers()
            return
        self.send_header('ETag', etag)
        if status == 304:
            self.end_headers()
            return
        self.send_header('Last-Modified',
                         email.utils.formatdate(os.path.getmtime(path), usegmt=True))
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


s = http.server.HTTPServer(('127.0.0.1', 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
