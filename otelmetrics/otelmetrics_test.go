package otelmetrics_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/pasetokit/pasetokit/observe"
	"github.com/pasetokit/pasetokit/otelmetrics"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func setup(t *testing.T) (*otelmetrics.Handler, *sdkmetric.ManualReader, *clock) {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { provider.Shutdown(context.Background()) })
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	h, err := otelmetrics.New(otelmetrics.Config{MeterProvider: provider, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return h, reader, clk
}

// collect returns the metrics by name.
func collect(t *testing.T, r *sdkmetric.ManualReader) map[string]metricdata.Aggregation {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]metricdata.Aggregation{}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != otelmetrics.MeterName {
			t.Errorf("scope %q", sm.Scope.Name)
		}
		for _, m := range sm.Metrics {
			out[m.Name] = m.Data
		}
	}
	return out
}

func TestCounter(t *testing.T) {
	h, reader, _ := setup(t)
	ctx := context.Background()
	for range 3 {
		h.Handle(ctx, observe.Event{Kind: observe.KindVerify, Component: "verifier", Reason: "token_expired"})
	}
	h.Handle(ctx, observe.Event{Kind: observe.KindRequest, Component: "httpauth", Reason: "ok"})
	h.Handle(ctx, observe.Event{Kind: observe.KindTheft, Component: "remember", Reason: "series_deleted"})

	sum, ok := collect(t, reader)[otelmetrics.EventsName].(metricdata.Sum[int64])
	if !ok || !sum.IsMonotonic {
		t.Fatalf("%s is not a monotonic int64 sum", otelmetrics.EventsName)
	}
	got := map[string]int64{}
	for _, dp := range sum.DataPoints {
		k, _ := dp.Attributes.Value(otelmetrics.KindKey)
		c, _ := dp.Attributes.Value(otelmetrics.ComponentKey)
		r, _ := dp.Attributes.Value(otelmetrics.ReasonKey)
		if dp.Attributes.Len() != 3 {
			t.Errorf("attributes %v", dp.Attributes.ToSlice())
		}
		got[k.AsString()+"/"+c.AsString()+"/"+r.AsString()] = dp.Value
	}
	want := map[string]int64{"verify/verifier/token_expired": 3, "request/httpauth/ok": 1, "remember_theft/remember/series_deleted": 1}
	if len(got) != len(want) {
		t.Fatalf("data points %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s = %d, want %d", k, got[k], n)
		}
	}
}

func gauge(t *testing.T, data map[string]metricdata.Aggregation, name, url string) (float64, bool) {
	t.Helper()
	g, ok := data[name].(metricdata.Gauge[float64])
	if !ok {
		return 0, false
	}
	for _, dp := range g.DataPoints {
		if v, _ := dp.Attributes.Value(otelmetrics.URLKey); v == attribute.StringValue(url) {
			return dp.Value, true
		}
	}
	return 0, false
}

func TestStaleness(t *testing.T) {
	h, reader, clk := setup(t)
	ctx := context.Background()
	const u = "https://auth.example/keys"
	fetch := func(reason string, staleness time.Duration) {
		h.Handle(ctx, observe.Event{Kind: observe.KindKeySetFetch, Component: "verifier", Reason: reason,
			URL: u, MaxStale: 24 * time.Hour, Staleness: staleness})
	}

	// A set that never loaded has a limit and no staleness.
	fetch(observe.ReasonFailed, 0)
	data := collect(t, reader)
	if _, ok := gauge(t, data, otelmetrics.StalenessName, u); ok {
		t.Error("staleness of a set never fetched")
	}
	if v, ok := gauge(t, data, otelmetrics.MaxStaleName, u); !ok || v != 86400 {
		t.Errorf("max_stale = %v, %v", v, ok)
	}

	fetch(observe.ReasonRecovered, 0)
	clk.Add(30 * time.Minute)
	if v, _ := gauge(t, collect(t, reader), otelmetrics.StalenessName, u); v != 1800 {
		t.Errorf("staleness 30 minutes after a fetch = %v", v)
	}

	// A failure reports the age it saw; staleness then grows with the
	// clock between fetches, with no event.
	clk.Add(90 * time.Minute)
	fetch(observe.ReasonFailed, 2*time.Hour)
	clk.Add(time.Hour)
	if v, _ := gauge(t, collect(t, reader), otelmetrics.StalenessName, u); v != 3*3600 {
		t.Errorf("staleness = %v, want 3h", v)
	}
	fetch(observe.ReasonOK, 0)
	if v, _ := gauge(t, collect(t, reader), otelmetrics.StalenessName, u); v != 0 {
		t.Errorf("staleness after a good fetch = %v", v)
	}

	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := gauge(t, collect(t, reader), otelmetrics.StalenessName, u); ok {
		t.Error("staleness reported after Close")
	}
}

func TestNewConfig(t *testing.T) {
	_, err := otelmetrics.New(otelmetrics.Config{})
	var ce *otelmetrics.ConfigError
	if !errors.Is(err, otelmetrics.ErrInvalidConfig) || !errors.As(err, &ce) || ce.Field != "MeterProvider" {
		t.Fatalf("New without a MeterProvider: %v", err)
	}
}
