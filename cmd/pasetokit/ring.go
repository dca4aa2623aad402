package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paseto"
)

// ringPasswordEnv names the environment variable holding the password of
// a ring file, used when --wrap-key is not given.
const ringPasswordEnv = "PASETOKIT_RING_PASSWORD"

const ringSynopsis = "ring init|rotate|list --file FILE [--wrap-key KEY] [--purpose public|local] [--version v4|v3|v2] --retain-for DURATION [--rotate-every DURATION] [--publish-ahead DURATION] [--max-keys N]"

const ringUsage = `usage: pasetokit ` + ringSynopsis + `

Manage a key ring kept in a file (keyring.File), shared with the
applications that use it as their KeySource:

  init     create the file with its first, current key (refused if it exists)
  rotate   start a staged rotation: publish a next key, which becomes
           current --publish-ahead later
  list     print the keys (id, state, times) and the next rotation

The secret keys in the file are wrapped with --wrap-key (a local key of the
ring's version, as PASERK or @FILE: PASERK local-wrap.pie and
secret-wrap.pie), or else with the password in $` + ringPasswordEnv + `.
The policy flags must be those of the applications sharing the file.
Every command also applies the schedule that is due (publishing, retiring
and dropping keys), as the applications do.
`

// ringOpts are the flags of the ring commands.
type ringOpts struct {
	file, wrapKey, purpose string
	version                string
	retainFor, rotateEvery time.Duration
	publishAhead           time.Duration
	maxKeys                int
}

func cmdRing(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return &usageError{msg: "missing ring command", usage: ringUsage}
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "-h", "-help", "--help", "help":
		return &helpRequested{usage: ringUsage}
	case "init", "rotate", "list":
	default:
		return &usageError{msg: fmt.Sprintf("unknown ring command %q", sub), usage: ringUsage}
	}
	flags := newFlagSet("ring " + sub)
	var o ringOpts
	flags.StringVar(&o.file, "file", "", "the ring `FILE` (JSON, secret keys wrapped)")
	flags.StringVar(&o.wrapKey, "wrap-key", "", "the wrapping `KEY`: a local key of the ring's version, as PASERK or @FILE; without it the password in $"+ringPasswordEnv)
	flags.StringVar(&o.purpose, "purpose", "public", "the keys' `PURPOSE`: public (signing keys) or local")
	flags.StringVar(&o.version, "version", "v4", "the keys' PASETO `VERSION`: v4, v3 or v2")
	flags.DurationVar(&o.retainFor, "retain-for", 0, "keep retired keys for `DURATION`: at least the longest token or cookie lifetime plus leeway (required)")
	flags.DurationVar(&o.rotateEvery, "rotate-every", 0, "a key is current for `DURATION` (default one week)")
	flags.DurationVar(&o.publishAhead, "publish-ahead", 0, "a key is published `DURATION` before it signs (default one day, or half of --rotate-every)")
	flags.IntVar(&o.maxKeys, "max-keys", 0, "hold at most `N` keys (default: what the schedule needs, plus one)")
	synopsis := "ring " + sub + " --file FILE [flags]"
	if _, err := parseArgs(flags, synopsis, rest, 0, 0); err != nil {
		return err
	}
	usage := func(msg string) error { return &usageError{msg: msg, usage: commandUsage(flags, synopsis)} }
	if o.file == "" {
		return usage("--file is required")
	}
	if o.retainFor <= 0 {
		return usage("--retain-for is required: the longest lifetime of what the keys make, plus leeway")
	}
	cfg, err := o.config(usage)
	if err != nil {
		return err
	}
	if sub == "init" {
		if _, err := os.Stat(o.file); !errors.Is(err, fs.ErrNotExist) {
			if err == nil {
				return reject("ring exists", "the file exists already; use rotate or list")
			}
			return err
		}
	} else if _, err := os.Stat(o.file); err != nil {
		return err
	}
	ctx := context.Background()
	ring, err := keyring.New(ctx, cfg)
	if err != nil {
		return ringError(err)
	}
	switch sub {
	case "init":
		cur, _ := ring.Snapshot().Current(cfg.Now())
		_, err = fmt.Fprintf(stdout, "created %s: current key %s\n", o.file, cur.ID())
		return err
	case "rotate":
		next, err := ring.Rotate(ctx)
		if err != nil {
			return ringError(err)
		}
		_, err = fmt.Fprintf(stdout, "next key %s becomes current at %s\n", next.ID, next.Activates.UTC().Format(time.RFC3339))
		return err
	}
	return printRing(stdout, ring.Snapshot())
}

// config builds the keyring Config of the flags.
func (o *ringOpts) config(usage func(string) error) (keyring.Config, error) {
	cfg := keyring.Config{
		Policy: keyring.Policy{RotateEvery: o.rotateEvery, PublishAhead: o.publishAhead, RetainFor: o.retainFor, MaxKeys: o.maxKeys},
		Now:    func() time.Time { return now() },
	}
	switch o.purpose {
	case "public":
		cfg.Purpose = paseto.Public
	case "local":
		cfg.Purpose = paseto.Local
	default:
		return cfg, usage("--purpose must be public or local")
	}
	switch o.version {
	case "v4":
		cfg.Version = paseto.V4
	case "v3":
		cfg.Version = paseto.V3
	case "v2":
		cfg.Version = paseto.V2
	default:
		return cfg, usage("--version must be v4, v3 or v2")
	}
	file, err := keyring.NewFile(o.file)
	if err != nil {
		return cfg, usage("--file: " + err.Error())
	}
	cfg.Backend = file
	if o.wrapKey != "" {
		k, _, err := loadKey(o.wrapKey, &versionFlag{})
		if err != nil {
			return cfg, err
		}
		sk, ok := k.(*paseto.SymmetricKey)
		if !ok || sk.Version() != cfg.Version {
			return cfg, reject("wrong key", "--wrap-key must be a local key of the ring's version")
		}
		cfg.WrappingKey = sk
		return cfg, nil
	}
	pw := os.Getenv(ringPasswordEnv)
	if pw == "" {
		return cfg, usage("give --wrap-key, or the password in $" + ringPasswordEnv)
	}
	cfg.Password = []byte(pw)
	return cfg, nil
}

// ringError names what a keyring error means for the operator. keyring
// errors never hold key material or passwords.
func ringError(err error) error {
	switch {
	case errors.Is(err, keyring.ErrWrongWrappingKey):
		return &rejectError{class: "wrong wrapping key or password", err: err}
	case errors.Is(err, keyring.ErrCorruptState):
		return &rejectError{class: "unreadable ring", detail: err.Error(), err: err}
	case errors.Is(err, keyring.ErrInvalidConfig):
		return &usageError{msg: err.Error()}
	case errors.Is(err, keyring.ErrTooManyKeys):
		return &rejectError{class: "too many keys", detail: "wait until a retired key is dropped, or raise --max-keys", err: err}
	}
	return err
}

// printRing prints one line per key and the next rotation.
func printRing(w io.Writer, snap *keyring.Snapshot) error {
	var b bytes.Buffer
	ts := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	for _, e := range snap.Keys() {
		i := e.Info()
		fields := []string{i.ID, i.State.String(), "published=" + ts(i.Published)}
		if !i.Activates.IsZero() {
			fields = append(fields, "activates="+ts(i.Activates))
		}
		if !i.Retires.IsZero() {
			fields = append(fields, "retires="+ts(i.Retires))
		}
		if !i.Drops.IsZero() {
			fields = append(fields, "drops="+ts(i.Drops))
		}
		b.WriteString(strings.Join(fields, " ") + "\n")
	}
	b.WriteString("next rotation: " + ts(snap.NextRotation()) + "\n")
	_, err := w.Write(b.Bytes())
	return err
}
