package paseto

import (
	"crypto/rand"
	"fmt"
	"strings"
)

// Default limits used by the zero [Parser] and by the package-level functions.
const (
	// DefaultMaxTokenLength bounds a whole token in bytes (64 KiB). Tokens
	// travel in headers and cookies, which are far smaller in practice.
	DefaultMaxTokenLength = 64 << 10
	// DefaultMaxFooterLength bounds a decoded footer in bytes (8 KiB).
	DefaultMaxFooterLength = 8 << 10
)

// Parser opens tokens within configured limits. The zero value is ready to
// use with the default limits; a [Parser] is safe for concurrent use. The
// package-level [Decrypt], [Verify] and [Unverified] use the zero [Parser].
type Parser struct {
	// MaxTokenLength bounds the whole token in bytes. It is checked before
	// the token is split or decoded. Zero means [DefaultMaxTokenLength].
	MaxTokenLength int
	// MaxFooterLength bounds the decoded footer in bytes. Zero means
	// [DefaultMaxFooterLength].
	MaxFooterLength int
}

func (p *Parser) maxToken() int {
	if p == nil || p.MaxTokenLength <= 0 {
		return DefaultMaxTokenLength
	}
	return p.MaxTokenLength
}

func (p *Parser) maxFooter() int {
	if p == nil || p.MaxFooterLength <= 0 {
		return DefaultMaxFooterLength
	}
	return p.MaxFooterLength
}

// split checks token against the limits and the expected header, then
// decodes its body and footer. It runs no cryptography.
func (p *Parser) split(token string, v Version, purpose Purpose) (body, footer []byte, err error) {
	hv, hp, err := p.header(token)
	if err != nil {
		return nil, nil, err
	}
	if hv != v || hp != purpose {
		return nil, nil, fmt.Errorf("%w: %s.%s key for a %s.%s token", ErrWrongKey, v, purpose, hv, hp)
	}
	return p.decodeParts(token[len(header(hv, hp)):])
}

// header bounds token and reads its header.
func (p *Parser) header(token string) (Version, Purpose, error) {
	if len(token) > p.maxToken() {
		return 0, 0, ErrTokenTooLong
	}
	v, purpose, ok := parseHeader(token)
	if !ok {
		if len(token) >= 3 && token[0] == 'v' && strings.IndexByte(token[:min(len(token), 12)], '.') > 1 {
			return 0, 0, ErrUnsupported
		}
		return 0, 0, ErrMalformed
	}
	return v, purpose, nil
}

// decodeParts decodes "body[.footer]" into one new buffer: the body, then
// the footer, each capped so that appending to one never writes into the
// other.
func (p *Parser) decodeParts(rest string) (body, footer []byte, err error) {
	b, f := rest, ""
	if i := strings.IndexByte(rest, '.'); i >= 0 {
		b, f = rest[:i], rest[i+1:]
		if f == "" {
			return nil, nil, fmt.Errorf("%w: empty footer after '.'", ErrMalformed)
		}
		if strings.IndexByte(f, '.') >= 0 {
			return nil, nil, fmt.Errorf("%w: too many parts", ErrMalformed)
		}
		if b64.DecodedLen(len(f)) > p.maxFooter() {
			return nil, nil, ErrFooterTooLong
		}
	}
	nb, nf := b64.DecodedLen(len(b)), b64.DecodedLen(len(f))
	buf := make([]byte, nb+nf)
	if f != "" {
		if !decodeB64Into(buf[nb:], f) {
			return nil, nil, fmt.Errorf("%w: footer is not canonical base64url", ErrMalformed)
		}
		footer = buf[nb:]
	}
	if !decodeB64Into(buf[:nb], b) {
		return nil, nil, fmt.Errorf("%w: body is not canonical base64url", ErrMalformed)
	}
	return buf[:nb:nb], footer, nil
}

// Encrypt makes a local token of key's version that encrypts payload and
// authenticates footer (sent in clear) and implicit (not sent; the opener
// must supply the same bytes). v2 keys take no implicit assertion.
func Encrypt(key *SymmetricKey, payload, footer, implicit []byte) (string, error) {
	if key == nil || !key.version.valid() {
		return "", fmt.Errorf("%w: nil or zero key", ErrInvalidKey)
	}
	var nonce [32]byte
	rand.Read(nonce[:])
	return encrypt(key, nonce[:], payload, footer, implicit)
}

// encrypt is [Encrypt] with a caller-chosen nonce (32 bytes; v2 uses the first
// 24). Only tests call it with a fixed nonce, to reproduce vectors.
func encrypt(key *SymmetricKey, nonce, payload, footer, implicit []byte) (string, error) {
	switch key.version {
	case V2:
		if len(implicit) > 0 {
			return "", ErrImplicitUnsupported
		}
		return v2Encrypt(key, nonce[:24], payload, footer), nil
	case V3:
		return v3Encrypt(key, nonce, payload, footer, implicit), nil
	default:
		return v4Encrypt(key, nonce, payload, footer, implicit), nil
	}
}

// Decrypt opens a local token with the default limits and returns its payload
// and footer. See [Parser.Decrypt].
func Decrypt(key *SymmetricKey, token string, implicit []byte) (payload, footer []byte, err error) {
	return (*Parser)(nil).Decrypt(key, token, implicit)
}

// Decrypt opens a local token: it checks the length limits and that the
// token's header matches key's version before any cryptography, then
// verifies the authentication tag over the body, footer and implicit
// assertion in constant time, and only then decrypts. It returns the payload
// and the (now authenticated) footer.
func (p *Parser) Decrypt(key *SymmetricKey, token string, implicit []byte) (payload, footer []byte, err error) {
	if key == nil || !key.version.valid() {
		return nil, nil, fmt.Errorf("%w: nil or zero key", ErrInvalidKey)
	}
	if key.version == V2 && len(implicit) > 0 {
		return nil, nil, ErrImplicitUnsupported
	}
	body, footer, err := p.split(token, key.version, Local)
	if err != nil {
		return nil, nil, err
	}
	return decryptBody(key, body, footer, implicit)
}

// decryptBody checks the tag of body (nonce, ciphertext, tag) of a local
// token of key's version and decrypts it, in place for v3 and v4 (which
// check the tag first) and into a new buffer for v2.
func decryptBody(key *SymmetricKey, body, footer, implicit []byte) (payload, _ []byte, err error) {
	switch key.version {
	case V2:
		payload, err = v2Decrypt(key, body, footer)
	case V3:
		payload, err = v3Decrypt(key, body, footer, implicit)
	default:
		payload, err = v4Decrypt(key, body, footer, implicit)
	}
	if err != nil {
		return nil, nil, err
	}
	return payload, footer, nil
}

// Sign makes a public token of key's version that signs payload, footer and
// implicit (not sent; the verifier must supply the same bytes). The payload
// is readable by anyone. v2 keys take no implicit assertion. v3 signatures
// are deterministic (RFC 6979).
func Sign(key *SecretKey, payload, footer, implicit []byte) (string, error) {
	if key == nil || !key.version.valid() {
		return "", fmt.Errorf("%w: nil or zero key", ErrInvalidKey)
	}
	switch key.version {
	case V2:
		if len(implicit) > 0 {
			return "", ErrImplicitUnsupported
		}
		return edSign(key, "v2.public.", payload, footer, nil, false), nil
	case V3:
		return v3Sign(key, payload, footer, implicit)
	default:
		return edSign(key, "v4.public.", payload, footer, implicit, true), nil
	}
}

// Verify checks a public token with the default limits and returns its
// payload and footer. See [Parser.Verify].
func Verify(key *PublicKey, token string, implicit []byte) (payload, footer []byte, err error) {
	return (*Parser)(nil).Verify(key, token, implicit)
}

// Verify checks a public token: it checks the length limits and that the
// token's header matches key's version before any cryptography, then
// verifies the signature over the payload, footer and implicit assertion. It
// returns the payload and the (now authenticated) footer.
func (p *Parser) Verify(key *PublicKey, token string, implicit []byte) (payload, footer []byte, err error) {
	if key == nil || !key.version.valid() {
		return nil, nil, fmt.Errorf("%w: nil or zero key", ErrInvalidKey)
	}
	if key.version == V2 && len(implicit) > 0 {
		return nil, nil, ErrImplicitUnsupported
	}
	body, footer, err := p.split(token, key.version, Public)
	if err != nil {
		return nil, nil, err
	}
	return verifyBody(key, body, footer, implicit)
}

// verifyBody checks the signature in body (the payload, then the
// signature) of a public token of key's version.
func verifyBody(key *PublicKey, body, footer, implicit []byte) (payload, _ []byte, err error) {
	switch key.version {
	case V2:
		payload, err = edVerify(key, "v2.public.", body, footer, nil, false)
	case V3:
		payload, err = v3Verify(key, body, footer, implicit)
	default:
		payload, err = edVerify(key, "v4.public.", body, footer, implicit, true)
	}
	if err != nil {
		return nil, nil, err
	}
	return payload, footer, nil
}

// UnverifiedToken is what can be read from a token without a key. Nothing in
// it is authenticated: use the footer only to choose a key (by its kid), and
// trust nothing else until [Decrypt] or [Verify] succeeds.
type UnverifiedToken struct {
	// Version is the token's version, from its header.
	Version Version
	// Purpose is the token's purpose (local or public), from its header.
	Purpose Purpose
	// UnverifiedFooter is the decoded footer, or nil when there is none.
	UnverifiedFooter []byte
	// UnverifiedPayload is the signed payload of a public token, not yet
	// checked against any signature. It is nil for local tokens, whose
	// payload is encrypted.
	UnverifiedPayload []byte

	// body and footer are the decoded body and footer, for
	// [UnverifiedToken.Verify] and [UnverifiedToken.Decrypt]; body is nil
	// in a token not made by [Parser.Unverified], or spent by a Decrypt.
	body, footer []byte
}

// Unverified reads a token's header, footer and (for public tokens) payload
// with the default limits, without any key or verification. See
// [Parser.Unverified].
func Unverified(token string) (*UnverifiedToken, error) {
	return (*Parser)(nil).Unverified(token)
}

// Unverified reads a token's header, footer and, for public tokens, payload
// without verifying anything. It is the one way to read a footer before
// verification, meant for selecting a key by its kid. The same limits and
// strict decoding apply as for [Decrypt] and [Verify].
func (p *Parser) Unverified(token string) (*UnverifiedToken, error) {
	v, purpose, err := p.header(token)
	if err != nil {
		return nil, err
	}
	body, footer, err := p.decodeParts(token[len(header(v, purpose)):])
	if err != nil {
		return nil, err
	}
	t := &UnverifiedToken{Version: v, Purpose: purpose, UnverifiedFooter: footer, body: body, footer: footer}
	if purpose == Public {
		sigLen := 64
		if v == V3 {
			sigLen = 96
		}
		if len(body) < sigLen {
			return nil, fmt.Errorf("%w: body too short", ErrMalformed)
		}
		t.UnverifiedPayload = body[:len(body)-sigLen]
	} else {
		min := 32 + 32 // v3 and v4: nonce and tag
		switch v {
		case V2:
			min = 24 + 16
		case V3:
			min = 32 + 48
		}
		if len(body) < min {
			return nil, fmt.Errorf("%w: body too short", ErrMalformed)
		}
	}
	return t, nil
}

// Verify checks the signature of the public token u was read from, as
// [Parser.Verify] does, without splitting or decoding the token again: read
// the footer with [Parser.Unverified], pick the key by its kid, then
// verify the same bytes. The limits were checked by Unverified. It returns
// the payload and the (now authenticated) footer, which share memory with
// u's UnverifiedPayload and UnverifiedFooter. u may be verified with
// several keys in turn; it is not safe for concurrent use.
func (u *UnverifiedToken) Verify(key *PublicKey, implicit []byte) (payload, footer []byte, err error) {
	if key == nil || !key.version.valid() {
		return nil, nil, fmt.Errorf("%w: nil or zero key", ErrInvalidKey)
	}
	if key.version == V2 && len(implicit) > 0 {
		return nil, nil, ErrImplicitUnsupported
	}
	if err := u.check(key.version, Public); err != nil {
		return nil, nil, err
	}
	return verifyBody(key, u.body, u.footer, implicit)
}

// Decrypt opens the local token u was read from, as [Parser.Decrypt] does,
// without splitting or decoding the token again. It decrypts in place, in
// u's memory (v2: into a new buffer, as a failed v2 check would wipe u's):
// u may be tried with several keys until one opens it, and after that it
// opens nothing more (a further call fails with [ErrMalformed]). It is not
// safe for concurrent use.
func (u *UnverifiedToken) Decrypt(key *SymmetricKey, implicit []byte) (payload, footer []byte, err error) {
	if key == nil || !key.version.valid() {
		return nil, nil, fmt.Errorf("%w: nil or zero key", ErrInvalidKey)
	}
	if key.version == V2 && len(implicit) > 0 {
		return nil, nil, ErrImplicitUnsupported
	}
	if err := u.check(key.version, Local); err != nil {
		return nil, nil, err
	}
	payload, footer, err = decryptBody(key, u.body, u.footer, implicit)
	if err == nil {
		u.body = nil // decrypted in place
	}
	return payload, footer, err
}

// check reports whether u can be opened by a key of version v and purpose
// p.
func (u *UnverifiedToken) check(v Version, p Purpose) error {
	if u == nil || u.body == nil {
		return fmt.Errorf("%w: not read by Unverified, or already decrypted", ErrMalformed)
	}
	if u.Version != v || u.Purpose != p {
		return fmt.Errorf("%w: %s.%s key for a %s.%s token", ErrWrongKey, v, p, u.Version, u.Purpose)
	}
	return nil
}
