package issuer

import (
	"net/http"
	"strconv"
	"strings"
)

// KeySetHandler returns an http.Handler that publishes the issuer's public
// keys as a key set document (see package keyset): the public halves of
// the listed secret keys, signing key first, with Config.Issuer as the
// issuer. Local keys are never published; an issuer with only local keys
// serves an empty key list.
//
// It answers GET and HEAD with 200, Content-Type application/json,
// Cache-Control "public, max-age=N" (Config.KeySetMaxAge, five minutes by
// default) and a strong ETag, or 304 Not Modified when If-None-Match
// matches the ETag. Other methods get 405 with an Allow header. The
// document is encoded once per key list, by New and SetKeys, not per
// request, and a rotation shows in the next response. Mount it where your
// verifiers fetch it, for example:
//
//	mux.Handle("GET /.well-known/paseto-keys", iss.KeySetHandler())
func (i *Issuer) KeySetHandler() http.Handler { return keySetHandler{i} }

type keySetHandler struct{ i *Issuer }

func (h keySetHandler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	hdr := w.Header()
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	var r *keyRing
	if h.i != nil {
		r = h.i.ring.Load()
	}
	if r == nil {
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	hdr.Set("Cache-Control", h.i.s.cacheCtrl)
	hdr.Set("ETag", r.etag)
	if noneMatch(req.Header.Values("If-None-Match"), r.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Content-Length", strconv.Itoa(len(r.doc)))
	hdr.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if req.Method != http.MethodHead {
		w.Write(r.doc)
	}
}

// noneMatch reports whether the If-None-Match header values match etag,
// with the weak comparison RFC 9110 prescribes for it.
func noneMatch(values []string, etag string) bool {
	for _, v := range values {
		for t := range strings.SplitSeq(v, ",") {
			t = strings.TrimSpace(t)
			if t == "*" || strings.TrimPrefix(t, "W/") == etag {
				return true
			}
		}
	}
	return false
}
