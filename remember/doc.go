// Package remember implements "remember me" logins: a long-lived cookie
// that logs a user back in when their session has ended, with the
// selector/validator design and theft detection that security reviewers
// recommend (it is what Flask-PASETO-Extended's PasetoLoginManager aims at,
// with the server-side state that makes revocation and theft detection
// possible).
//
// # For most users
//
// Create one [Manager] at start-up from the application secret (the same
// secret as package session is fine: the keys are derived with different
// purposes), and put its [Manager.Handler] inside the session middleware:
//
//	sessions, err := session.New(session.Config{Secret: secret})
//	if err != nil {
//		log.Fatal(err)
//	}
//	rm, err := remember.New(remember.Config{Secret: secret})
//	if err != nil {
//		log.Fatal(err)
//	}
//	mux := http.NewServeMux()
//	mux.HandleFunc("POST /login", login(rm))
//	log.Fatal(http.ListenAndServe(addr, sessions.Handler(rm.Handler(mux))))
//
// In the login handler (login(rm) above), after checking the password,
// call [SetUser] (fresh) and, if the user ticked "remember me",
// [Manager.Remember]:
//
//	if err := remember.SetUser(r.Context(), userID, true); err != nil {
//		http.Error(w, "session error", http.StatusInternalServerError)
//		return
//	}
//	if r.PostFormValue("remember") != "" {
//		if err := rm.Remember(w, r, userID, r.UserAgent()); err != nil {
//			log.Printf("remember-me not set: %v", err) // the login itself succeeded
//		}
//	}
//
// Handlers read the user with [UserFrom] and [Fresh], from the request's
// context. A user logged in by the remember-me cookie is not fresh: routes
// that change the password, the e-mail address or payment details must ask
// for the password again (then call SetUser(r.Context(), userID, true)).
// On logout call [Manager.Forget] and destroy the session; on a password
// change call [Manager.ForgetUser]. The defaults are safe: a Secure,
// HttpOnly, SameSite=Lax cookie named "remember" on Path "/", valid 30 days
// ([DefaultLifetime]) from the password login (not extended by use), in a
// bounded in-memory store that keeps at most
// [store.DefaultMaxSeriesPerUser] (32) remembered devices per user (one
// more login forgets the device whose login expires soonest). Use the Redis
// store (module github.com/pasetokit/pasetokit/store/redisstore) when the
// application runs as several processes.
//
// To rotate the remember-me key without forgetting anyone, give the
// Manager a ring of v4.local keys of its own ([keyring.Ring] with Purpose
// paseto.Local and Lifetimes covering [Config.Lifetime]) as
// [Config.KeySource] instead of Secret: cookies are set with the ring's
// current key and open with any key it still holds, as for package
// session.
//
// # Cookie names and cookie tossing
//
// The default name "remember" is kept for compatibility, but a plain name
// can be overwritten by a cookie set by a sibling or parent domain
// (cookie tossing). A tossed remember-me cookie cannot be forged, but an
// attacker could plant a cookie of their own account and have the victim
// logged in as the attacker. On HTTPS sites, use the __Host- prefix, which
// browsers only accept from the host itself, Secure, with Path "/" and no
// Domain:
//
//	rm, err := remember.New(remember.Config{
//		Secret: secret,
//		Cookie: remember.Cookie{Name: "__Host-remember"},
//	})
//
// [New] checks these rules for a __Host- or __Secure- name (in any letter
// case) and returns a [*ConfigError] for Cookie.Name rather than a cookie
// the browser would drop; a __Host- name cannot be used with
// [Cookie.Insecure]. Renaming the cookie of a running site forgets the
// remembered logins made under the old name.
//
// # Design
//
// The cookie holds a v4.local token, encrypted with its own key (the first
// of [Config.Keys], k4.local PASERKs given as [keyring.Key] values, or
// keyderive.SymmetricKey([Config.Secret], paseto.V4, [KeyPurpose])), whose
// footer names the key by its PASERK id and whose implicit assertion is
// [ImplicitPrefix] + the cookie name: a session cookie, or a remember-me
// cookie of another name, never opens. The token carries a
// selector (128 random bits, naming the series: one device's remembered
// login) and a validator (256 random bits). The store keeps, per selector,
// only the SHA-256 of the validator, the user id, the expiry, the creation
// time and optional device metadata, so a leak of the store does not give
// working cookies.
//
// Each successful use rotates the validator (a compare-and-swap in the
// store) and re-issues the cookie, so a cookie works once. Presenting a
// known selector with a wrong validator means that two parties hold copies
// of the cookie: the series is deleted (the thief and the victim are both
// logged out of it), [Config.OnTheft] is called, and nobody is logged in.
//
// # The grace window
//
// A browser often sends several requests at once with the same cookie. The
// first rotates it; the others would look like theft. So the validator just
// replaced is still accepted for [Config.GraceWindow] (30 seconds by default)
// after the rotation: such a request logs the user in but does not rotate
// again and leaves the cookie alone, because only the winning request knows
// the new validator, and its response sets the new cookie. Only the
// previous validator is accepted: a cookie two rotations old, or the
// previous one after the window, is theft. The price is that a thief who
// replays a copied cookie within the window of a legitimate rotation is not
// detected; keep the window short.
//
// # Theft does not end sessions
//
// Theft detection, [Manager.ForgetUser] and [Manager.Forget] delete
// series: no further login comes from the stolen cookie. They do not end
// the sessions that earlier uses of the cookie started, by the thief or by
// the victim: package session keeps sessions in the cookie itself, so the
// server cannot delete them, and a thief who used the cookie once keeps
// that session until its Lifetime or IdleTimeout ends. Applications that
// want theft, a password change or "log out everywhere" to end those
// sessions too must record a per-user cut-off and refuse sessions whose
// login is older, for example with a [store.Store] (the same one authtoken
// uses, or [store.NewMemory]):
//
//	// In OnTheft, on a password change and on "log out everywhere".
//	func logOutEverywhere(ctx context.Context, userID string) error {
//		now := time.Now()
//		return errors.Join(
//			rm.ForgetUser(ctx, userID),
//			st.SetCutoff(ctx, "websess:"+userID, now, now.Add(session.DefaultLifetime)),
//		)
//	}
//
//	// A middleware inside rm.Handler: sessions older than the cut-off end.
//	func cutOff(next http.Handler) http.Handler {
//		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
//			if userID, ok := remember.UserFrom(r.Context()); ok {
//				cut, err := st.Cutoff(r.Context(), "websess:"+userID)
//				if err != nil { // fail closed, and say when to come back
//					w.Header().Set("Retry-After", "1")
//					http.Error(w, "try again later", http.StatusServiceUnavailable)
//					return
//				}
//				// The login time: SetUser's, or for a remember-me login the
//				// instant before the series check, so a racing cut-off wins.
//				at, _ := remember.LoginTimeFrom(r.Context())
//				if !cut.IsZero() && !at.After(cut) {
//					_ = session.FromContext(r.Context()).Destroy() // fails only once the response is committed
//				}
//			}
//			next.ServeHTTP(w, r)
//		})
//	}
//
// The demo application in examples/demo does this in its logout-everywhere
// path. Also tell the user (OnTheft runs with their id): their account was
// used from another device.
//
// # Bad cookies and failures
//
// A remember-me cookie that is malformed, tampered with, made under an
// unknown key or for another name, expired (checked on the server, not
// only by the browser), or whose series was revoked logs nobody in: the
// cookie is deleted and [Config.OnBadCookie] receives an error matching
// [ErrMalformed], [ErrTampered], [ErrUnknownKey], [ErrExpired] or
// [ErrRevoked]. These are never errors of [Manager.Login] and never cause
// an error response. Login returns an error only when the store cannot
// answer (matching [store.ErrUnavailable]): it then fails closed, logging
// nobody in and keeping the cookie for a later attempt. [Manager.Handler]
// reports such errors to [Config.OnError] and [Config.Events] and serves the request logged
// out, unless [Config.ErrorHandler] is set: then that answers the request
// (a 503, say), so that a store outage shows as one rather than as a
// logout.
//
// # Migrating from Flask-PASETO-Extended
//
// Flask-PASETO-Extended's PasetoLoginManager remembers a login with a
// cookie ("remember_token") holding a v4.local token of the bare user id,
// under REMEMBER_COOKIE_PASETO_KEY or the app's SECRET_KEY. It cannot be
// kept as it is: it holds no expiry (only the browser's cookie expiry
// ends it), no series and no validator, so it cannot be revoked short of
// changing the key for everyone, it is never rotated, and a stolen copy
// works as long as the key does, without any sign of theft.
//
// Set [Config.FlaskSecret] to that key to accept such a cookie once per
// device: a client that has no cookie of ours is logged in as the user
// the token names (not fresh), a new series is made for it and our cookie
// set, and the Flask cookie is deleted. [Config.FlaskUntil], required, ends
// the migration: from then on Flask cookies are refused ([ErrExpired]).
//
// Each converted Flask cookie leaves a mark in the store until FlaskUntil:
// a series ([FlaskUsedDevice]) whose selector is derived from the Flask
// token, under a user id of its own ([FlaskUsedUserPrefix]), that no
// cookie names and no validator opens. The store refuses a second mark
// for the same cookie, so a copy presented later, or by a parallel
// request, logs nobody in ([ErrRevoked] to OnBadCookie). The mark is not the
// login's series: Forget, ForgetUser ("log out everywhere") and theft
// detection end the series but leave the mark, so logging out never
// revives a stolen Flask cookie. The marks take room in the store until
// FlaskUntil (one series each, never counted against a real user's
// bound). Keep the migration window short: a few weeks, well within
// Lifetime; then remove FlaskSecret. Users who have not come back by then
// log in with their password once (Flask-Login's cookies would have lasted
// REMEMBER_COOKIE_DURATION, 365 days by default).
package remember
