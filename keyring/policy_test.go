package keyring

import (
	"errors"
	"testing"
	"time"
)

func TestPolicyResolve(t *testing.T) {
	h := time.Hour
	tests := []struct {
		name      string
		p         Policy
		lifetimes []time.Duration
		leeway    time.Duration
		field     string // "" means valid
		want      Policy
		covered   bool // the error matches ErrLifetimeNotCovered
	}{
		{name: "defaults from lifetimes", lifetimes: []time.Duration{24 * h, 15 * time.Minute}, leeway: time.Minute,
			want: Policy{RotateEvery: DefaultRotateEvery, PublishAhead: DefaultPublishAhead, RetainFor: 24*h + time.Minute, MaxKeys: 4}},
		{name: "publish ahead defaults to half of a short period", p: Policy{RotateEvery: 4 * h}, lifetimes: []time.Duration{h},
			want: Policy{RotateEvery: 4 * h, PublishAhead: 2 * h, RetainFor: h, MaxKeys: 4}},
		{name: "long retention needs more keys", p: Policy{RotateEvery: h, PublishAhead: 10 * time.Minute}, lifetimes: []time.Duration{30 * 24 * h},
			want: Policy{RotateEvery: h, PublishAhead: 10 * time.Minute, RetainFor: 30 * 24 * h, MaxKeys: 30*24 + 4}},
		{name: "explicit retain and cap", p: Policy{RotateEvery: h, PublishAhead: h, RetainFor: 3 * h, MaxKeys: 10},
			want: Policy{RotateEvery: h, PublishAhead: h, RetainFor: 3 * h, MaxKeys: 10}},
		{name: "negative rotate", p: Policy{RotateEvery: -1}, lifetimes: []time.Duration{h}, field: "Policy.RotateEvery"},
		{name: "rotate under a second", p: Policy{RotateEvery: time.Millisecond}, lifetimes: []time.Duration{h}, field: "Policy.RotateEvery"},
		{name: "publish ahead longer than period", p: Policy{RotateEvery: h, PublishAhead: 2 * h}, lifetimes: []time.Duration{h}, field: "Policy.PublishAhead"},
		{name: "publish ahead under sync", p: Policy{RotateEvery: h, PublishAhead: time.Millisecond}, lifetimes: []time.Duration{h}, field: "Policy.PublishAhead"},
		{name: "negative publish ahead", p: Policy{PublishAhead: -1}, lifetimes: []time.Duration{h}, field: "Policy.PublishAhead"},
		{name: "no retain and no lifetimes", p: Policy{}, field: "Policy.RetainFor"},
		{name: "retain shorter than lifetime plus leeway", p: Policy{RetainFor: h}, lifetimes: []time.Duration{h}, leeway: time.Second,
			field: "Policy.RetainFor", covered: true},
		{name: "negative retain", p: Policy{RetainFor: -1}, field: "Policy.RetainFor"},
		{name: "non-positive lifetime", lifetimes: []time.Duration{time.Hour, 0}, field: "Lifetimes[1]"},
		{name: "cap under what the schedule needs", p: Policy{RotateEvery: h, RetainFor: 5 * h, MaxKeys: 7}, field: "Policy.MaxKeys"},
		{name: "cap over the limit", p: Policy{RotateEvery: h, RetainFor: h, MaxKeys: MaxKeysLimit + 1}, field: "Policy.MaxKeys"},
		{name: "schedule over the limit", p: Policy{RotateEvery: time.Second, PublishAhead: time.Second, RetainFor: h}, field: "Policy.MaxKeys"},
		{name: "negative cap", p: Policy{RetainFor: h, MaxKeys: -1}, field: "Policy.MaxKeys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.p.resolve(tt.lifetimes, tt.leeway, time.Second)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("resolve: %v", err)
				}
				if got != tt.want {
					t.Fatalf("got %+v, want %+v", got, tt.want)
				}
				return
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != tt.field || !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("error %v: want a ConfigError for %s", err, tt.field)
			}
			if errors.Is(err, ErrLifetimeNotCovered) != tt.covered {
				t.Fatalf("error %v: ErrLifetimeNotCovered %v, want %v", err, !tt.covered, tt.covered)
			}
		})
	}
}

func TestKeySetMaxAge(t *testing.T) {
	for _, tt := range []struct{ p, want time.Duration }{
		{time.Second, 0},
		{3 * time.Second, time.Second},
		{10 * time.Minute, 5 * time.Minute},
		{24 * time.Hour, MaxKeySetMaxAge},
	} {
		if got := (Policy{PublishAhead: tt.p}).keySetMaxAge(); got != tt.want || got > tt.p {
			t.Errorf("PublishAhead %v: max-age %v, want %v", tt.p, got, tt.want)
		}
	}
}
