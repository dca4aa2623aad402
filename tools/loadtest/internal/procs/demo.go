package procs

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"time"
)

// DemoPackage is the demo's main package.
const DemoPackage = "github.com/pasetokit/pasetokit/examples/demo"

// DemoConfig is how a demo process is started: the demo's own flags.
type DemoConfig struct {
	Bin         string        // the demo binary (GoBuild(ctx, DemoPackage, dir))
	Port        int           // zero means a free port, chosen once: restarts keep it
	KeyFile     string        // -key-file; empty generates keys at start
	Redis       string        // -redis host:port; empty keeps the stores in memory
	RotateEvery time.Duration // -rotate-every; zero never rotates on a timer
	MaxKeys     int           // -max-keys; zero keeps the demo's default
	// Extra are more flags of the demo (-publish-ahead, -access-lifetime,
	// -key-grace, ...).
	Extra []string
}

// Demo is a demo process, started again on the same address by Start after
// Stop or Kill.
type Demo struct {
	*Process
	Config DemoConfig
	URL    string // http://127.0.0.1:port
	Starts int    // how many times it was started
}

var listening = regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`)

// StartDemo starts a demo process and waits until it serves.
func StartDemo(name string, cfg DemoConfig) (*Demo, error) {
	if cfg.Port == 0 {
		p, err := FreePort()
		if err != nil {
			return nil, err
		}
		cfg.Port = p
	}
	d := &Demo{Config: cfg, URL: "http://127.0.0.1:" + strconv.Itoa(cfg.Port)}
	d.Process = &Process{Name: name}
	return d, d.Start()
}

// Start starts the process (again) with its flags and waits until it
// answers /healthz.
func (d *Demo) Start() error {
	args := []string{"-addr", d.URL[len("http://"):]}
	if d.Config.KeyFile != "" {
		args = append(args, "-key-file", d.Config.KeyFile)
	}
	if d.Config.Redis != "" {
		args = append(args, "-redis", d.Config.Redis)
	}
	if d.Config.RotateEvery != 0 {
		args = append(args, "-rotate-every", d.Config.RotateEvery.String())
	}
	if d.Config.MaxKeys != 0 {
		args = append(args, "-max-keys", strconv.Itoa(d.Config.MaxKeys))
	}
	args = append(args, d.Config.Extra...)
	p, err := Start(d.Name, d.Config.Bin, args...)
	if err != nil {
		return err
	}
	d.Process = p
	d.Starts++
	if _, err := p.WaitLog(listening, 20*time.Second); err != nil {
		_ = p.Kill()
		return err
	}
	resp, err := http.Get(d.URL + "/healthz")
	if err != nil {
		_ = p.Kill()
		return fmt.Errorf("%s: /healthz: %w", d.Name, err)
	}
	resp.Body.Close()
	return nil
}

// LogLines returns what the demo logged since it listened, leaving out the
// lines that match ignore (nil ignores nothing).
func (d *Demo) LogLines(ignore *regexp.Regexp) []string {
	var out []string
	started := false
	for _, l := range d.Lines() {
		switch {
		case !started:
			started = listening.MatchString(l)
		case ignore == nil || !ignore.MatchString(l):
			out = append(out, l)
		}
	}
	return out
}

// StartServer starts a server that logs "listening on http://127.0.0.1:PORT"
// once it serves (as the demo does, and the bare handler of the bench) and
// returns it with its URL.
func StartServer(name, bin string, args ...string) (*Process, string, error) {
	p, err := Start(name, bin, args...)
	if err != nil {
		return nil, "", err
	}
	m, err := p.WaitLog(listening, 20*time.Second)
	if err != nil {
		_ = p.Kill()
		return nil, "", err
	}
	return p, m[1], nil
}

// WriteKeyFile writes a demo key file (-key-file) with a new Ed25519
// token key and a new cookie secret: the secret material a fleet of demo
// processes shares.
func WriteKeyFile(path string) error {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return err
	}
	doc, err := json.Marshal(map[string]string{
		"token_key":     "k4.secret." + base64.RawURLEncoding.EncodeToString(priv),
		"cookie_secret": base64.StdEncoding.EncodeToString(secret),
	})
	if err != nil {
		return err
	}
	return os.WriteFile(path, doc, 0o600)
}

// StartHTTP starts a server that listens on url (chosen by the caller, for
// a server that does not log its address) and waits until it answers any
// HTTP request there.
func StartHTTP(name, bin, url string, args ...string) (*Process, error) {
	p, err := Start(name, bin, args...)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			return p, nil
		}
		select {
		case <-p.Done():
			return nil, fmt.Errorf("%s exited before serving:\n%s", name, p.Log())
		default:
		}
		if time.Now().After(deadline) {
			_ = p.Kill()
			return nil, fmt.Errorf("%s does not answer on %s after 20s: %v\n%s", name, url, err, p.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
