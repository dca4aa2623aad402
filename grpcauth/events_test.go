package grpcauth_test

import (
	"context"
	"testing"

	"google.golang.org/grpc/metadata"

	"github.com/pasetokit/pasetokit/grpcauth"
	"github.com/pasetokit/pasetokit/internal/testclock"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/observe"
	"github.com/pasetokit/pasetokit/observe/observetest"
	"github.com/pasetokit/pasetokit/verifier"
)

// Every authenticated call is one request event with the reason it is
// answered with; skipped methods are not reported; no event holds the
// token.
func TestRequestEvents(t *testing.T) {
	clock := testclock.New()
	k := newKeys(t)
	iss := newIssuer(t, clock, k.secret)
	ver, err := verifier.New(verifier.Config{Keys: []keyring.Key{k.public}, Now: clock.Now, Events: observe.Discard})
	if err != nil {
		t.Fatal(err)
	}
	rec := &observetest.Recorder{}
	a, err := grpcauth.New(grpcauth.Config{Verifier: ver, SkipMethods: []string{"/grpc.health.v1.Health/"}, Events: rec})
	if err != nil {
		t.Fatal(err)
	}
	good := issue(t, iss, "alice")
	incoming := func(auth ...string) context.Context {
		md := metadata.MD{}
		for _, v := range auth {
			md.Append("authorization", v)
		}
		return metadata.NewIncomingContext(context.Background(), md)
	}
	tests := []struct {
		name   string
		ctx    context.Context
		method string
		reason string // "" for no event
	}{
		{"valid", incoming("Bearer " + good), "/svc.S/M", observe.ReasonOK},
		{"missing", incoming(), "/svc.S/M", "token_missing"},
		{"garbage", incoming("Bearer v4.public.garbage"), "/svc.S/M", "token_malformed"},
		{"skipped", incoming(), "/grpc.health.v1.Health/Check", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a.Authenticate(tt.ctx, tt.method)
			got := rec.Take()
			if tt.reason == "" {
				if len(got) != 0 {
					t.Fatalf("events for a skipped method: %+v", got)
				}
				return
			}
			if len(got) != 1 || got[0].Kind != observe.KindRequest || got[0].Component != "grpcauth" || got[0].Reason != tt.reason || got[0].Err != nil {
				t.Fatalf("events = %+v, want one request/%s", got, tt.reason)
			}
			if leak := observetest.Leaks(got[0], good, "alice"); leak != "" {
				t.Errorf("event holds %q", leak)
			}
		})
	}
}
