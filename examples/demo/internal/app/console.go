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

// The home page is a small console: the signing keys as this process sees
// them and, once logged in, the facts of the session. The login form and
// the buttons are plain HTML forms; nothing runs in the browser.

// keyStatus is the state of the access-token keys, as the key ring's
// Snapshot describes it (rotation.go fills it in).
type keyStatus struct {
	Keys         []keyring.KeyInfo // the signer first
	NextRotation time.Time         // zero when none is scheduled
}

// pageData is what the page shows.
type pageData struct {
	Error   string
	Flashes []string
	Session *sessionFacts // nil when nobody is logged in
	Keys    []keyView
	Next    stamp
	Now     stamp
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
	ks := a.keys.status()
	for _, k := range ks.Keys {
		v := keyView{ID: k.ID, State: k.State.String(), Published: newStamp(k.Published, now),
			Activates: newStamp(k.Activates, now), Retires: newStamp(k.Retires, now), Ends: newStamp(k.Drops, now)}
		d.Keys = append(d.Keys, v)
	}
	d.Next, d.Now = newStamp(ks.NextRotation, now), newStamp(now, now)
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
.state { font-weight: 600; } tr[data-state="current"] .state { color: #06702c; } tr[data-state="retired"] .state { color: #8a5a00; }
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
<p>Next rotation: <time id="next-rotation" datetime="{{.Next.ISO}}">{{if .Next.ISO}}{{.Next.Text}}{{else}}none scheduled (-rotate-every, or POST /admin/rotate){{end}}</time>.
Published at <a href="/.well-known/paseto-keys">/.well-known/paseto-keys</a>.</p>
<table id="keys"><thead><tr><th>key id</th><th>state</th><th>published</th><th>signs from</th><th>stops signing</th><th>its tokens expire, then dropped</th></tr></thead>
<tbody>{{range .Keys}}<tr class="key" data-kid="{{.ID}}" data-state="{{.State}}">
<td><code class="kid">{{.ID}}</code></td><td class="state">{{.State}}</td>
<td><time datetime="{{.Published.ISO}}">{{.Published.Text}}</time></td>
<td><time datetime="{{.Activates.ISO}}">{{.Activates.Text}}</time></td>
<td><time class="retires" datetime="{{.Retires.ISO}}">{{.Retires.Text}}</time></td>
<td><time class="drops" datetime="{{.Ends.ISO}}">{{.Ends.Text}}</time></td></tr>
{{end}}</tbody></table>
</section>
</body></html>
`))
