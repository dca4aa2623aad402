package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

// now is the clock for time claims; tests replace it.
var now = time.Now

// Input bounds.
const (
	maxKeyFile = 64 << 10 // bytes read from an @FILE key
	maxClaims  = 1 << 20  // bytes of JSON read by issue from stdin
	// maxTokenInput bounds what verify and inspect read from stdin: the
	// longest token paseto accepts plus room for surrounding white space.
	maxTokenInput = paseto.DefaultMaxTokenLength + 4<<10
)

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// Exit statuses.
const (
	exitOK       = 0
	exitRejected = 1
	exitUsage    = 2
)

// usageError is a mistake on the command line: exit status 2. When usage is
// not empty it is printed after the message.
type usageError struct {
	msg   string
	usage string
}

func (e *usageError) Error() string { return e.msg }

// rejectError is a token, key or input that was refused: exit status 1. The
// class is one of the reason classes documented in doc.go; detail is fixed
// text written by this program, never input data.
type rejectError struct {
	class  string
	detail string
	err    error
}

func (e *rejectError) Error() string {
	if e.detail != "" {
		return e.class + ": " + e.detail
	}
	return e.class
}

func (e *rejectError) Unwrap() error { return e.err }

func reject(class, detail string) error { return &rejectError{class: class, detail: detail} }

// helpRequested is returned when -h or --help was given to a command; the
// command's usage goes to stdout and the exit status is 0.
type helpRequested struct{ usage string }

func (e *helpRequested) Error() string { return "help requested" }

// run is the whole program: it returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	out := &errWriter{w: stdout}
	err := dispatch(args, stdin, out)
	if err == nil && out.err != nil {
		err = fmt.Errorf("writing output: %w", out.err)
	}
	if err == nil {
		return exitOK
	}
	var (
		help *helpRequested
		ue   *usageError
	)
	switch {
	case errors.As(err, &help):
		io.WriteString(stdout, help.usage)
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "pasetokit: %s\n", redact(ue.msg, args))
		if ue.usage != "" {
			io.WriteString(stderr, ue.usage)
		}
		return exitUsage
	}
	var re *rejectError
	if !errors.As(err, &re) {
		re = classify(err)
	}
	if re == nil {
		// Not a paseto or paserk error: an I/O failure. Their messages
		// hold file names at most, never token or key data.
		fmt.Fprintf(stderr, "pasetokit: %s\n", err)
		return exitRejected
	}
	fmt.Fprintf(stderr, "pasetokit: rejected: %s\n", re)
	return exitRejected
}

// redact removes from a usage message every argument that may be a key:
// messages quote mistaken arguments ("unknown command %q", flag's "invalid
// value %q"), and a key given in the wrong place must not be echoed.
func redact(msg string, args []string) string {
	for _, a := range args {
		v := a
		if i := strings.IndexByte(a, '='); i >= 0 && strings.HasPrefix(a, "-") {
			v = a[i+1:]
		}
		if mayBeKey(v) {
			msg = strings.ReplaceAll(msg, v, "[redacted]")
		}
	}
	return msg
}

// mayBeKey reports whether s looks like a PASERK ("k4.…") or PEM text.
func mayBeKey(s string) bool {
	if strings.Contains(s, "-----BEGIN") {
		return true
	}
	return len(s) > 3 && s[0] == 'k' && s[1] >= '0' && s[1] <= '9' && strings.Contains(s[2:], ".")
}

// classify maps paseto and paserk errors to a reason class. It returns nil
// for errors of neither package.
func classify(err error) *rejectError {
	class := ""
	switch {
	case errors.Is(err, paseto.ErrExpired):
		class = "expired"
	case errors.Is(err, paseto.ErrNotYetValid):
		class = "not yet valid"
	case errors.Is(err, paseto.ErrIssuedInFuture):
		class = "issued in the future"
	case errors.Is(err, paseto.ErrInvalidSignature):
		class = "invalid signature"
	case errors.Is(err, paseto.ErrInvalidMAC):
		class = "authentication failed"
	case errors.Is(err, paseto.ErrTokenTooLong):
		class = "token too long"
	case errors.Is(err, paseto.ErrFooterTooLong):
		class = "footer too long"
	case errors.Is(err, paseto.ErrMalformed):
		class = "malformed token"
	case errors.Is(err, paseto.ErrUnsupported):
		class = "unsupported version"
	case errors.Is(err, paseto.ErrWrongKey):
		class = "wrong key"
	case errors.Is(err, paseto.ErrInvalidKey),
		errors.Is(err, paserk.ErrMalformed),
		errors.Is(err, paserk.ErrUnsupported),
		errors.Is(err, paserk.ErrWrongType),
		errors.Is(err, paserk.ErrWrongVersion):
		class = "invalid key"
	case errors.Is(err, paseto.ErrInvalidClaims):
		class = "invalid claims"
	case errors.Is(err, paseto.ErrInvalidFooter), errors.Is(err, paseto.ErrKeyInFooter):
		class = "invalid footer"
	case errors.Is(err, paseto.ErrImplicitUnsupported):
		class = "implicit assertion unsupported by v2"
	default:
		return nil
	}
	return &rejectError{class: class, err: err}
}

// errWriter remembers the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (w *errWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n, err := w.w.Write(p)
	w.err = err
	return n, err
}

const mainUsage = `usage: pasetokit COMMAND [flags] [arguments]

Commands:
  keygen [--json] VERSION.PURPOSE    generate a key: v4.local, v4.public, v3.local,
                                     v3.public, v2.local or v2.public
  issue --key KEY [flags] <CLAIMS    issue a token for the JSON object on stdin
  verify --key KEY [flags] [TOKEN]   verify or decrypt a token, print its payload
  inspect [TOKEN]                    show a token's header and footer, unverified
  paserk id KEY                      print the PASERK id of a key (lid, pid, sid)
  paserk public KEY                  print the public key of a secret key
  paserk from-pem [--version V] @FILE  convert a PEM key to PASERK
  paserk to-pem KEY                  convert a secret or public key to PEM
  ring init|rotate|list --file FILE  manage a key ring file (keyring.File):
                                     see 'pasetokit ring -h'
  help                               show this help

KEY is a PASERK (k4.local.…, k4.secret.…, k4.public.…) or @FILE naming a
file that holds a PASERK or a PEM key. An Ed25519 PEM key does not say its
version: --version v2|v4 chooses it (default v4). P-384 PEM keys are v3.
TOKEN is read from stdin when absent.

Exit status: 0 success, 1 token, key or input rejected, 2 usage error.
Run 'pasetokit COMMAND -h' for the flags of a command.
`

func dispatch(args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return &usageError{msg: "missing command", usage: mainUsage}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 {
			// "help CMD" shows the usage of CMD.
			return dispatch(append(rest[:1:1], "-h"), stdin, stdout)
		}
		return &helpRequested{usage: mainUsage}
	case "keygen":
		return cmdKeygen(rest, stdout)
	case "issue":
		return cmdIssue(rest, stdin, stdout)
	case "verify":
		return cmdVerify(rest, stdin, stdout)
	case "inspect":
		return cmdInspect(rest, stdin, stdout)
	case "paserk":
		return cmdPaserk(rest, stdout)
	case "ring":
		return cmdRing(rest, stdout)
	}
	return &usageError{msg: fmt.Sprintf("unknown command %q", cmd), usage: mainUsage}
}

// newFlagSet returns a silent flag set: run prints the errors.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// commandUsage renders the synopsis and the flags of fs.
func commandUsage(fs *flag.FlagSet, synopsis string) string {
	var b bytes.Buffer
	b.WriteString("usage: pasetokit " + synopsis + "\n")
	has := false
	fs.VisitAll(func(*flag.Flag) { has = true })
	if has {
		b.WriteString("\nFlags:\n")
		fs.SetOutput(&b)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return b.String()
}

// parseArgs parses flags that may come before, between or after the
// positional arguments ("verify TOKEN --key K" works), and checks that the
// number of positional arguments is between min and max.
func parseArgs(fs *flag.FlagSet, synopsis string, args []string, min, max int) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, &helpRequested{usage: commandUsage(fs, synopsis)}
			}
			return nil, &usageError{msg: err.Error(), usage: commandUsage(fs, synopsis)}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		// flag stops at "--" or at the first positional argument.
		if endedByTerminator(fs, args[:len(args)-len(rest)]) {
			pos = append(pos, rest...)
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	switch {
	case len(pos) < min:
		return nil, &usageError{msg: "missing argument", usage: commandUsage(fs, synopsis)}
	case len(pos) > max:
		return nil, &usageError{msg: "too many arguments", usage: commandUsage(fs, synopsis)}
	}
	return pos, nil
}

// endedByTerminator reports whether the arguments flag consumed end with a
// "--" that ended the flags, rather than with "--" as the value of a flag
// ("--footer -- TOKEN").
func endedByTerminator(fs *flag.FlagSet, consumed []string) bool {
	n := len(consumed)
	if n == 0 || consumed[n-1] != "--" {
		return false
	}
	if n == 1 {
		return true
	}
	prev := consumed[n-2]
	if !strings.HasPrefix(prev, "-") || strings.Contains(prev, "=") {
		return true
	}
	f := fs.Lookup(strings.TrimLeft(prev, "-"))
	if f == nil {
		return true
	}
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return true
	}
	return false // "--" was the value of prev
}

// versionFlag is --version: the version of an Ed25519 PEM key.
type versionFlag struct {
	v   paseto.Version
	set bool
}

func (f *versionFlag) String() string {
	if f == nil || !f.set {
		return "v4"
	}
	return f.v.String()
}

func (f *versionFlag) Set(s string) error {
	switch s {
	case "v2":
		f.v = paseto.V2
	case "v4":
		f.v = paseto.V4
	default:
		return errors.New("must be v2 or v4 (P-384 PEM keys are always v3)")
	}
	f.set = true
	return nil
}

// ed25519Version is the version given to Ed25519 PEM keys.
func (f *versionFlag) ed25519Version() paseto.Version {
	if f.set {
		return f.v
	}
	return paseto.V4
}

func addVersionFlag(fs *flag.FlagSet) *versionFlag {
	v := &versionFlag{}
	fs.Var(v, "version", "version (`v2|v4`) of an Ed25519 PEM key, default v4; P-384 PEM keys are always v3 and PASERK keys carry their own")
	return v
}

// readBounded reads at most limit bytes from r; more is an error built by
// tooLong.
func readBounded(r io.Reader, limit int, tooLong func() error) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("reading input: %w", err)
	}
	if len(b) > limit {
		return nil, tooLong()
	}
	return b, nil
}

// readToken returns the token argument, or the token read from stdin, with
// surrounding white space removed.
func readToken(pos []string, stdin io.Reader) (string, error) {
	if len(pos) > 0 {
		return strings.TrimSpace(pos[0]), nil
	}
	b, err := readBounded(stdin, maxTokenInput, func() error { return reject("token too long", "") })
	if err != nil {
		return "", err
	}
	t := strings.TrimSpace(string(b))
	if t == "" {
		return "", reject("malformed token", "no token on stdin")
	}
	return t, nil
}
