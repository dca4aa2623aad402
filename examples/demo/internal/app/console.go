package app

import (
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/remember"
	"github.com/pasetokit/pasetokit/session"
)

// The home page is a small console: the key rings as this process sees
// them and, once logged in, the facts of the session. The login form and
// the buttons are plain HTML forms; nothing runs in the browser. GET
// /api/keyring gives the rings as JSON.

// ringStatus is one ring as this process sees it.
type ringStatus struct {
	Name         string
	Generation   uint64            // counts the changes this process has seen
	Keys         []keyring.KeyInfo // next, current, retired
	NextRotation time.Time         // when the current key stops signing
	Policy       keyring.Policy
	Synced       time.Time // when this process last read or wrote the backend
}

// ringStatus describes the rings as this process uses them now: between
// two syncs with the backend, a next key whose time has come already
// signs (keyring.Snapshot.Current), and a key due to be dropped no longer
// verifies, so the states shown are those, not the stored ones.
func (a *App) ringStatus() []ringStatus {
	now := a.cfg.Now()
	var out []ringStatus
	for _, r := range a.rings.all() {
		snap := r.ring.Snapshot()
		st := ringStatus{Name: r.name, Generation: snap.Generation(), NextRotation: snap.NextRotation(), Policy: r.ring.Policy(), Synced: snap.Synced()}
		signer, _ := snap.Current(now) // nil when stale
		for _, e := range snap.Keys() {
			if _, ok := snap.Lookup(e.ID(), now); !ok {
				continue // dropped
			}
			k := e.Info()
			switch {
			case signer != nil && k.ID == signer.ID() && k.State == keyring.Next:
				k.State = keyring.Current
				st.NextRotation = k.Activates.Add(st.Policy.RotateEvery)
			case signer != nil && k.ID != signer.ID() && k.State == keyring.Current:
				k.State = keyring.Retired
				k.Drops = k.Retires.Add(st.Policy.RetainFor)
			}
			st.Keys = append(st.Keys, k)
		}
		out = append(out, st)
	}
	return out
}

// keyringJSON is GET /api/keyring: the rings as this process sees them.
func (a *App) keyringJSON(w http.ResponseWriter, _ *http.Request) {
	type key struct {
		ID        string     `json:"id"`
		State     string     `json:"state"`
		Published time.Time  `json:"published"`
		Activates time.Time  `json:"activates"`
		Retires   *time.Time `json:"retires,omitempty"`
		Drops     *time.Time `json:"drops,omitempty"`
	}
	type ring struct {
		Name         string    `json:"name"`
		Generation   uint64    `json:"generation"`
		NextRotation time.Time `json:"next_rotation"`
		RotateEvery  string    `json:"rotate_every"`
		PublishAhead string    `json:"publish_ahead"`
		RetainFor    string    `json:"retain_for"`
		MaxKeys      int       `json:"max_keys"`
		Synced       time.Time `json:"synced"`
		Keys         []key     `json:"keys"`
	}
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	var out []ring
	for _, st := range a.ringStatus() {
		r := ring{Name: st.Name, Generation: st.Generation, NextRotation: st.NextRotation, RotateEvery: st.Policy.RotateEvery.String(),
			PublishAhead: st.Policy.PublishAhead.String(), RetainFor: st.Policy.RetainFor.String(), MaxKeys: st.Policy.MaxKeys, Synced: st.Synced, Keys: []key{}}
		for _, k := range st.Keys {
			r.Keys = append(r.Keys, key{ID: k.ID, State: k.State.String(), Published: k.Published, Activates: k.Activates, Retires: opt(k.Retires), Drops: opt(k.Drops)})
		}
		out = append(out, r)
	}
	writeJSON(w, http.StatusOK, map[string]any{"now": a.cfg.Now().UTC(), "rings": out})
}

// pageData is what the page shows.
type pageData struct {
	Error   string
	Flashes []string
	Session *sessionFacts // nil when nobody is logged in
	Keys    []keyView     // the access ring's
	Next    stamp
	Rings   []ringView // every ring, in brief
	Now     stamp
}

// ringView is one ring in brief.
type ringView struct {
	Name                                 string
	Generation                           uint64
	Current, Next                        string // key ids, "" when none
	Keys                                 int
	NextRotation                         stamp
	RotateEvery, PublishAhead, RetainFor time.Duration
}

// sessionFacts describes the logged-in session.
type sessionFacts struct {
	User       string
	Fresh      bool // logged in with the password, not by a remember-me cookie
	Visits     int
	LoginAt    stamp
	Expires    stamp // the session's absolute end; it ends sooner when idle
	Idle       time.Duration
	Remembered bool // this device holds a remember-me cookie
}

type keyView struct {
	ID, State                           string
	Published, Activates, Retires, Ends stamp
}

// stamp is a time for the page: machine-readable and for people.
type stamp struct {
	ISO  string // RFC 3339, empty for no time
	Text string // "15:04:05 UTC (in 14m59s)", or "—"
}

func newStamp(t, now time.Time) stamp {
	if t.IsZero() {
		return stamp{Text: "—"}
	}
	d := t.Sub(now).Round(time.Second)
	rel := "now"
	switch {
	case d > 0:
		rel = "in " + d.String()
	case d < 0:
		rel = (-d).String() + " ago"
	}
	return stamp{ISO: t.UTC().Format(time.RFC3339), Text: fmt.Sprintf("%s UTC (%s)", t.UTC().Format("2006-01-02 15:04:05"), rel)}
}

// home renders the console and counts the visits of a logged-in user.
func (a *App) home(w http.ResponseWriter, r *http.Request) {
	s := session.FromContext(r.Context())
	var d pageData
	if user, ok := remember.UserFrom(r.Context()); ok {
		n, _ := session.Get[int](s, visitsKey)
		n++
		if err := s.Set(visitsKey, n); err != nil {
			a.cfg.Logf("session: %v", err)
		}
		d.Session = a.sessionFacts(r, user, n)
	}
	for _, f := range s.Flashes() {
		d.Flashes = append(d.Flashes, fmt.Sprint(f))
	}
	a.render(w, http.StatusOK, d)
}

func (a *App) sessionFacts(r *http.Request, user string, visits int) *sessionFacts {
	now := a.cfg.Now()
	f := &sessionFacts{User: user, Fresh: remember.Fresh(r.Context()), Visits: visits, Idle: session.DefaultIdleTimeout}
	if at, ok := session.Get[int64](session.FromContext(r.Context()), loginAtKey); ok {
		login := time.Unix(0, at)
		f.LoginAt = newStamp(login, now)
		f.Expires = newStamp(login.Add(session.DefaultLifetime), now)
	}
	_, err := r.Cookie(a.rememberCookie)
	f.Remembered = err == nil
	return f
}

// render writes the page with d and the key state of this process.
func (a *App) render(w http.ResponseWriter, status int, d pageData) {
	now := a.cfg.Now()
	for _, st := range a.ringStatus() {
		rv := ringView{Name: st.Name, Generation: st.Generation, Keys: len(st.Keys), NextRotation: newStamp(st.NextRotation, now),
			RotateEvery: st.Policy.RotateEvery, PublishAhead: st.Policy.PublishAhead, RetainFor: st.Policy.RetainFor}
		for _, k := range st.Keys {
			switch k.State {
			case keyring.Current:
				rv.Current = k.ID
			case keyring.Next:
				rv.Next = k.ID
			}
		}
		d.Rings = append(d.Rings, rv)
		if st.Name != RingAccess {
			continue
		}
		for _, k := range st.Keys {
			v := keyView{ID: k.ID, State: k.State.String(), Published: newStamp(k.Published, now),
				Activates: newStamp(k.Activates, now), Retires: newStamp(k.Retires, now), Ends: newStamp(k.Drops, now)}
			d.Keys = append(d.Keys, v)
		}
		d.Next = newStamp(st.NextRotation, now)
	}
	d.Now = newStamp(now, now)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := page.Execute(w, d); err != nil {
		a.cfg.Logf("page: %v", err)
	}
}

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>pasetokit demo</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body { font: 15px/1.45 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1 { font-size: 1.4rem; margin-bottom: .2rem; } h2 { font-size: 1.1rem; margin-top: 0; }
.sub { color: #666; margin-top: 0; }
section { border: 1px solid #ddd; border-radius: 6px; padding: 1rem; margin: 1rem 0; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #eee; vertical-align: top; }
code { font-size: .85rem; word-break: break-all; }
.state { font-weight: 600; } tr[data-state="current"] .state { color: #06702c; } tr[data-state="retired"] .state { color: #8a5a00; } tr[data-state="next"] .state { color: #1a4fa0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0 0 1rem; } dt { color: #555; }
.flash { background: #e8f5e9; padding: .4rem .6rem; border-radius: 4px; }
.error { background: #fdecea; padding: .4rem .6rem; border-radius: 4px; }
form { display: inline-block; margin-right: .5rem; } input { margin: .2rem .3rem .2rem 0; }
</style></head><body>
<h1>pasetokit demo</h1>
<p class="sub">Server time <time id="now" datetime="{{.Now.ISO}}">{{.Now.Text}}</time></p>
{{range .Flashes}}<p class="flash">{{.}}</p>
{{end}}{{if .Error}}<p class="error">{{.Error}}</p>
{{end}}
<section id="session-panel"><h2>Session</h2>
{{with .Session}}<p>Logged in as <b id="user">{{.User}}</b>
({{if .Fresh}}with your password{{else}}remembered: sensitive actions need your password{{end}}).</p>
<dl id="session">
<dt>Fresh</dt><dd id="fresh" data-fresh="{{.Fresh}}">{{if .Fresh}}yes: logged in with the password{{else}}no: logged in by a remember-me cookie{{end}}</dd>
<dt>Logged in</dt><dd><time id="login-at" datetime="{{.LoginAt.ISO}}">{{.LoginAt.Text}}</time></dd>
<dt>Session ends</dt><dd><time id="expires" datetime="{{.Expires.ISO}}">{{.Expires.Text}}</time> at the latest; after {{.Idle}} without a visit</dd>
<dt>This device</dt><dd id="remembered" data-remembered="{{.Remembered}}">{{if .Remembered}}remembered (a remember-me cookie logs you back in){{else}}not remembered{{end}}</dd>
<dt>Visits in this session</dt><dd><span id="visits">{{.Visits}}</span></dd>
</dl>
<form method="post" action="/logout"><button>Log out</button></form>
<form method="post" action="/logout-everywhere"><button>Log out everywhere</button></form>
{{else}}<form method="post" action="/login" id="login">
<input name="username" placeholder="username" autocomplete="username">
<input name="password" type="password" placeholder="password" autocomplete="current-password">
<label><input type="checkbox" name="remember"> Remember me</label>
<button>Log in</button></form>
<p>Demo user: test / test</p>{{end}}
</section>
<section id="keys-panel"><h2>Access-token signing keys (this process)</h2>
<p>Next rotation: <time id="next-rotation" datetime="{{.Next.ISO}}">{{if .Next.ISO}}{{.Next.Text}}{{else}}none scheduled{{end}}</time>
(staged: a next key is published before it signs; POST /admin/rotate starts one now).
Published at <a href="/.well-known/paseto-keys">/.well-known/paseto-keys</a>.</p>
<table id="keys"><thead><tr><th>key id</th><th>state</th><th>published</th><th>signs from</th><th>stops signing</th><th>dropped (its tokens have expired)</th></tr></thead>
<tbody>{{range .Keys}}<tr class="key" data-kid="{{.ID}}" data-state="{{.State}}">
<td><code class="kid">{{.ID}}</code></td><td class="state">{{.State}}</td>
<td><time datetime="{{.Published.ISO}}">{{.Published.Text}}</time></td>
<td><time datetime="{{.Activates.ISO}}">{{.Activates.Text}}</time></td>
<td><time class="retires" datetime="{{.Retires.ISO}}">{{.Retires.Text}}</time></td>
<td><time class="drops" datetime="{{.Ends.ISO}}">{{.Ends.Text}}</time></td></tr>
{{end}}</tbody></table>
</section>
<section id="rings-panel"><h2>Key rings (this process; <a href="/api/keyring">JSON</a>)</h2>
<table id="rings"><thead><tr><th>family</th><th>current key</th><th>next key</th><th>keys</th><th>next rotation</th><th>rotate every / publish ahead / keep retired</th><th>changes seen</th></tr></thead>
<tbody>{{range .Rings}}<tr class="ring" data-ring="{{.Name}}" data-generation="{{.Generation}}">
<td>{{.Name}}</td><td><code class="current">{{.Current}}</code></td><td><code class="next">{{if .Next}}{{.Next}}{{else}}—{{end}}</code></td><td>{{.Keys}}</td>
<td><time datetime="{{.NextRotation.ISO}}">{{.NextRotation.Text}}</time></td><td>{{.RotateEvery}} / {{.PublishAhead}} / {{.RetainFor}}</td><td class="generation">{{.Generation}}</td></tr>
{{end}}</tbody></table>
</section>
</body></html>
`))
