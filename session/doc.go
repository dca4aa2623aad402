// Package session keeps HTTP sessions in encrypted cookies: the whole
// session is one v4.local PASETO token, so the server stores nothing. It
// replaces gorilla/sessions' CookieStore and is used like alexedwards/scs.
//
// # For most users
//
// Create one [Manager] at start-up from a secret of at least 32 random
// bytes, wrap your handlers with [Manager.Handler], and read and write the
// session from the request context with [FromContext] and [Get]:
//
//	m, err := session.New(session.Config{Secret: secret})
//	if err != nil {
//		log.Fatal(err)
//	}
//	mux := http.NewServeMux()
//	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
//		s := session.FromContext(r.Context())
//		n, _ := session.Get[int](s, "count")
//		if err := s.Set("count", n+1); err != nil {
//			http.Error(w, "session error", http.StatusInternalServerError)
//			return
//		}
//		fmt.Fprintln(w, n+1)
//	})
//	log.Fatal(http.ListenAndServe(addr, m.Handler(mux)))
//
// Call [Session.Renew] when a user logs in or changes privilege, and
// [Session.Destroy] on logout. The defaults are safe: Secure, HttpOnly,
// SameSite=Lax cookies named "session" on Path "/", an absolute lifetime
// of 24 hours ([DefaultLifetime]) and an idle timeout of 2 hours
// ([DefaultIdleTimeout]), both enforced inside the token. Set
// [Cookie.Insecure] only for development over plain HTTP.
//
// To rotate the session key without logging anyone out, give the Manager
// a ring of v4.local keys ([keyring.Ring], for sessions only) as its
// [Config.KeySource] instead of Secret: new cookies are encrypted with the
// ring's current key, and cookies made with earlier keys keep opening
// until their keys are dropped, which the ring does only after
// [Config.Lifetime] (New checks it):
//
//	ring, err := keyring.New(ctx, keyring.Config{
//		Purpose:   paseto.Local,
//		Lifetimes: []time.Duration{session.DefaultLifetime},
//	})
//	if err != nil {
//		log.Fatal(err)
//	}
//	go ring.Run(ctx)
//	m, err := session.New(session.Config{KeySource: ring})
//
// # Cookie names and cookie tossing
//
// The default name "session" is kept for compatibility (the name is bound
// into every token, so changing it logs everyone out), but a plain name
// can be overwritten by a cookie that a sibling or parent domain sets
// (cookie tossing: a compromised or user-controlled subdomain plants a
// "session" cookie with Domain=example.com or a more specific Path, and
// the browser sends it first). A tossed cookie cannot be forged, but it
// can log the user out, or into a session of the attacker's own account,
// whose activity the attacker then sees. On HTTPS sites, name the
// cookie with the __Host- prefix, which browsers only accept from the
// host itself, Secure, with Path "/" and no Domain:
//
//	m, err := session.New(session.Config{
//		Secret: secret,
//		Cookie: session.Cookie{Name: "__Host-session"},
//	})
//
// [New] checks these rules for a __Host- or __Secure- name (in any letter
// case) and returns a [*ConfigError] for Cookie.Name rather than a cookie
// the browser would drop; so a __Host- name cannot be used with
// [Cookie.Insecure] (plain HTTP in development): use another name there.
// Moving an existing site to the new name logs its users out once, as
// their old cookie is no longer read.
//
// # Tokens
//
// A session token is encrypted and authenticated with the first of
// [Config.Keys] (or the key derived from [Config.Secret] with keyderive and
// the purpose [KeyPurpose], "session"; remember-me cookies or API tokens
// must use other purposes). Keys are [keyring.Key] values holding k4.local
// PASERKs; to rotate, put the new key first and keep the old one until its
// cookies have expired:
//
//	m, err := session.New(session.Config{Keys: []keyring.Key{
//		{PASERK: os.Getenv("SESSION_KEY")},     // k4.local.…: encrypts
//		{PASERK: os.Getenv("OLD_SESSION_KEY")}, // still decrypts
//	}})
//
// The footer is a key reference: the first [KeyRefLength] (8) characters
// of the key's PASERK id after "k4.lid.", so the key is found at once (an
// unknown reference is rejected, keys are never tried in turn; New refuses
// two keys with the same reference). It only selects the key: the token's
// MAC under that key authenticates everything else. The cookie name is
// bound as the implicit assertion [ImplicitPrefix]+name, which the MAC
// covers but the token does not carry, so a token moved to another
// cookie, or made for another purpose, does not open. (Tokens of earlier
// versions, whose footer was {"kid":"k4.lid.…","n":"<cookie name>"}, are
// rejected as malformed.) The payload holds
// the values, the pending flashes, a random 128-bit session id, the
// creation time (for [Config.Lifetime]) and the last-seen time (for
// [Config.IdleTimeout]). Values are encoded by [Config.Serializer] (JSON by
// default, or CBOR) when they are Set, so an unencodable value is an error
// at once; there is no type registration as with gob. Read them back as Go
// types with [Get], which decodes the stored representation into T.
//
// # Saving
//
// The middleware saves the session when the response is committed (first
// WriteHeader, Write or Flush) or when the handler returns. A change after
// that cannot reach the client: [Session.Set], [Session.Delete],
// [Session.Clear], [Session.AddFlash], [Session.Renew] and
// [Session.Destroy] then return [ErrCommitted] and also report it to
// [Config.OnError] and [Config.Events], so that it is never lost silently.
// Errors of the automatic save (a session over the size budget,
// [*SizeError] matching [ErrTooLarge]) go the same way; handlers that want them as return
// values call [Session.Save] before writing the response. When a save
// fails, no Set-Cookie is written and the client keeps its old cookie.
//
// One cookie holds at most [MaxCookieSize] (4096) bytes, counting its
// attributes. With [Config.AllowSplitCookies] a larger session is spread over
// numbered cookies (name, name.1, … up to [Config.MaxCookieParts]), joined
// again on the next request; parts no longer needed are deleted.
//
// # Bad cookies
//
// A cookie that is malformed, oversized, tampered with, expired, idle too
// long, issued for another cookie name or under an unknown key never causes
// an error response: the request gets a new empty session, the response
// deletes the bad cookie(s), and [Config.OnBadCookie] (if set) receives a
// [*CookieError] that matches [ErrMalformed], [ErrTampered], [ErrExpired],
// [ErrIdleExpired] or [ErrUnknownKey]. A token moved from a cookie of
// another name fails authentication ([ErrTampered]).
//
// # Migrating from gorilla/sessions
//
// [Manager.Codec] is a securecookie.Codec for code that keeps
// gorilla/sessions. To move to [Manager.Handler] without logging anyone
// out, set [Config.GorillaFallback] to the old securecookie codecs: old
// cookies are read once and re-issued as session tokens.
//
// The upgraded session starts a new lifetime: the gorilla cookie carries
// no creation time this package can trust, so its values are taken over
// with a creation time of now, and [Config.Lifetime] and
// [Config.IdleTimeout] count from the upgrade. A gorilla cookie that was close to its end thus
// gets a full Lifetime more, and an old cookie that a thief holds is
// upgraded like any other for as long as the fallback is configured
// (securecookie itself still refuses cookies older than its MaxAge, 30
// days by default). Remove GorillaFallback once the longest MaxAge of the
// old codecs has passed since the switch: by then every legitimate old
// cookie has either been upgraded or expired.
//
// # Migrating from Flask-PASETO-Extended
//
// A Flask application using Flask-PASETO-Extended's
// PasetoCookieSessionInterface keeps its session in a cookie (Flask's
// SESSION_COOKIE_NAME, "session" by default) holding a v4.local token of
// the session dict, encrypted under the app's SECRET_KEY bytes as the key,
// without footer or implicit assertion. Set [Config.FlaskSecret] to those
// bytes, and keep Cookie.Name as Flask's cookie name, to read such a
// cookie once: its values are kept and it is re-issued as a session token
// in the same response, replacing the Flask cookie.
//
// Values are converted as Flask reads its tagged JSON: strings, numbers,
// booleans, null, lists and objects as they are; a tuple becomes a list,
// bytes a []byte (read it with Get[[]byte]), a datetime a time.Time in UTC
// (Get[time.Time]; a date werkzeug cannot read becomes null, as in
// Flask), a UUID its canonical string, Markup its HTML text, and an
// object whose only key is a tag gets its key back. Flask-Login's keys
// (_user_id, _id) are kept as they are: map them to your own. Its _fresh
// is set to false: the login it records is as old as the cookie.
//
// The Flask token holds no time at all, so, as for gorilla cookies, the
// upgraded session starts its Lifetime at the upgrade, and a copy of an
// old cookie (kept after a logout, say) opens until [Config.FlaskUntil],
// which is required: set it to the switch plus Flask's
// PERMANENT_SESSION_LIFETIME (31 days by default) or sooner, and remove
// FlaskSecret after it. From then on Flask cookies are refused
// ([ErrExpired]). pyseto accepts keys of 1 to 64 bytes, which PASETO does
// not: the odd key length is confined to this read-only path.
//
// Anything else the Flask application encrypted under SECRET_KEY as a
// footer-less v4.local token of a JSON object (a reset link's token, say)
// opens the same way, and is accepted as a session if it arrives as the
// session cookie. Flask-PASETO-Extended adds no implicit assertion to tell
// them apart; keep the migration window short for that reason too.
package session
