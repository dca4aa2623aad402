package issuer

import (
	"net/http"

	"github.com/pasetokit/pasetokit/internal/keysethttp"
)

// KeySetHandler returns an http.Handler that publishes the issuer's public
// keys as a key set document (see package keyset): the public halves of
// the listed secret keys, signing key first, with [Config.Issuer] as the
// issuer. Local keys are never published; an issuer with only local keys
// serves an empty key list. With a [Config.KeySource] it publishes the
// source's public keys ([Issuer.PublicKeys]): next keys from the moment
// they are created, before they sign.
//
// It answers GET and HEAD with 200, Content-Type application/json,
// Cache-Control "public, max-age=N" ([Config.KeySetMaxAge]: five minutes by
// default, the source's [keyring.Snapshot.MaxAge] with a KeySource) and a
// strong ETag, or 304 Not Modified when If-None-Match matches the ETag.
// Other methods get 405 with an Allow header. The document is encoded once
// per key list (by New and SetKeys, or once per generation of the
// KeySource), not per request, and a rotation shows in the next response.
// Mount it where your verifiers fetch it, for example:
//
//	mux.Handle("GET /.well-known/paseto-keys", iss.KeySetHandler())
func (i *Issuer) KeySetHandler() http.Handler { return keySetHandler{i} }

type keySetHandler struct{ i *Issuer }

func (h keySetHandler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var doc *keysethttp.Doc
	var cc string
	if i := h.i; i != nil {
		cc = i.s.cacheCtrl
		if i.src != nil {
			doc = i.sourceDoc()
		} else if r := i.ring.Load(); r != nil {
			doc = r.doc
		}
	}
	keysethttp.Serve(w, req, doc, cc)
}
