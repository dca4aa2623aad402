// Package keysethttp serves key set documents (package keyset) over HTTP,
// for the issuer and authtoken packages: one encoded document with its
// ETag, caching headers, conditional GET.
package keysethttp

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pasetokit/pasetokit/keyset"
	"github.com/pasetokit/pasetokit/paseto"
)

// Doc is an encoded key set document and its strong ETag. It is immutable.
type Doc struct {
	Body []byte
	ETag string
}

// NewDoc encodes the key set of issuer's keys.
func NewDoc(issuer string, keys []*paseto.PublicKey) (*Doc, error) {
	body, err := keyset.Marshal(issuer, keys)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	return &Doc{Body: body, ETag: `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`}, nil
}

// CacheControl is the Cache-Control header of a document verifiers may
// cache for maxAge (whole seconds): "no-cache" when it is under a second.
func CacheControl(maxAge time.Duration) string {
	if maxAge < time.Second {
		return "no-cache"
	}
	return "public, max-age=" + strconv.FormatInt(int64(maxAge/time.Second), 10)
}

// Serve answers req with doc: GET and HEAD get 200 (or 304 when
// If-None-Match matches), other methods 405; a nil doc is a 500.
func Serve(w http.ResponseWriter, req *http.Request, doc *Doc, cacheControl string) {
	hdr := w.Header()
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	if doc == nil {
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	hdr.Set("Cache-Control", cacheControl)
	hdr.Set("ETag", doc.ETag)
	if noneMatch(req.Header.Values("If-None-Match"), doc.ETag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Content-Length", strconv.Itoa(len(doc.Body)))
	hdr.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if req.Method != http.MethodHead {
		w.Write(doc.Body)
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
