// Package otelmetrics records pasetokit's [observe.Event] values as
// OpenTelemetry metrics. It is a module of its own, so that the library
// does not depend on OpenTelemetry.
//
// # For most users
//
// Make a [Handler] from a metric.MeterProvider with [New] and pass it as
// the Events field of each component's Config, usually together with the
// default logger ([observe.Multi], [observe.Default]):
//
//	metrics, err := otelmetrics.New(otelmetrics.Config{MeterProvider: provider})
//	if err != nil {
//		log.Fatal(err)
//	}
//	events := observe.Multi(observe.Default(), metrics)
//	v, err := verifier.New(verifier.Config{KeySets: sets, Events: events})
//
// # Metrics
//
// It records:
//
//   - pasetokit.events, a counter of events, with the attributes
//     pasetokit.kind, pasetokit.component and pasetokit.reason (the
//     fields of [observe.Event]; each takes a few fixed values);
//   - pasetokit.key_set.staleness, a gauge in seconds: per key set URL
//     (attribute pasetokit.key_set.url), the age of the copy in use,
//     computed when the metrics are collected, from the last fetch
//     events; absent until a fetch succeeded;
//   - pasetokit.key_set.max_stale, a gauge in seconds: per key set URL,
//     the age at which the copy stops being used. Alert when staleness
//     passes a good part of it (half, say), long before every request
//     fails with key_set_unavailable.
package otelmetrics

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/pasetokit/pasetokit/observe"
)

// Instrument and attribute names.
const (
	// MeterName is the name of the meter the instruments come from.
	MeterName = "github.com/pasetokit/pasetokit/otelmetrics"

	// EventsName is the counter of events.
	EventsName = "pasetokit.events"
	// StalenessName is the gauge of each key set's staleness, in seconds.
	StalenessName = "pasetokit.key_set.staleness"
	// MaxStaleName is the gauge of each key set's MaxStale, in seconds.
	MaxStaleName = "pasetokit.key_set.max_stale"

	// KindKey is the counter's attribute holding [observe.Event.Kind].
	KindKey = attribute.Key("pasetokit.kind")
	// ComponentKey is the counter's attribute holding
	// [observe.Event.Component].
	ComponentKey = attribute.Key("pasetokit.component")
	// ReasonKey is the counter's attribute holding [observe.Event.Reason].
	ReasonKey = attribute.Key("pasetokit.reason")
	// URLKey is the gauges' attribute holding the key set's URL
	// ([observe.Event.URL]).
	URLKey = attribute.Key("pasetokit.key_set.url")
)

// maxSets bounds the key sets followed; URLs come from configuration, so
// it is never reached in practice.
const maxSets = 256

// Config configures [New]. Only MeterProvider is required.
type Config struct {
	// MeterProvider provides the meter. It is required.
	MeterProvider metric.MeterProvider
	// Now returns the current time, to compute staleness at collection.
	// Nil means time.Now. It must be safe for concurrent use; New never
	// calls it.
	Now func() time.Time
}

// Handler is an [observe.Handler] that records events as metrics. Make
// one with [New]; it is safe for concurrent use.
type Handler struct {
	events metric.Int64Counter
	now    func() time.Time
	reg    metric.Registration

	mu   sync.Mutex
	sets map[string]*set
}

type set struct {
	lastOK   time.Time // zero until a copy is known
	maxStale time.Duration
}

// New returns a [Handler] whose instruments come from cfg.MeterProvider.
// Its errors are *[ConfigError] values matching [ErrInvalidConfig], or the
// errors of creating the instruments.
func New(cfg Config) (*Handler, error) {
	if cfg.MeterProvider == nil {
		return nil, configError("MeterProvider", errNil)
	}
	h := &Handler{now: cfg.Now, sets: make(map[string]*set)}
	if h.now == nil {
		h.now = time.Now
	}
	m := cfg.MeterProvider.Meter(MeterName)
	var err error
	h.events, err = m.Int64Counter(EventsName, metric.WithUnit("{event}"),
		metric.WithDescription("pasetokit events, by kind, component and reason"))
	if err != nil {
		return nil, err
	}
	stale, err := m.Float64ObservableGauge(StalenessName, metric.WithUnit("s"),
		metric.WithDescription("age of the copy of a remote key set in use"))
	if err != nil {
		return nil, err
	}
	maxStale, err := m.Float64ObservableGauge(MaxStaleName, metric.WithUnit("s"),
		metric.WithDescription("age at which a remote key set's copy stops being used"))
	if err != nil {
		return nil, err
	}
	h.reg, err = m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		now := h.now()
		h.mu.Lock()
		defer h.mu.Unlock()
		for u, s := range h.sets {
			attrs := metric.WithAttributes(URLKey.String(u))
			o.ObserveFloat64(maxStale, s.maxStale.Seconds(), attrs)
			if !s.lastOK.IsZero() {
				o.ObserveFloat64(stale, now.Sub(s.lastOK).Seconds(), attrs)
			}
		}
		return nil
	}, stale, maxStale)
	if err != nil {
		return nil, err
	}
	return h, nil
}

// Handle counts e and, for a key set fetch, notes when the copy in use was
// fetched.
func (h *Handler) Handle(ctx context.Context, e observe.Event) {
	h.events.Add(ctx, 1, metric.WithAttributes(
		KindKey.String(string(e.Kind)), ComponentKey.String(e.Component), ReasonKey.String(e.Reason)))
	if e.Kind != observe.KindKeySetFetch || e.URL == "" {
		return
	}
	now := h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.sets[e.URL]
	if s == nil {
		if len(h.sets) >= maxSets {
			return
		}
		s = &set{}
		h.sets[e.URL] = s
	}
	s.maxStale = e.MaxStale
	switch {
	case e.Reason != observe.ReasonFailed:
		s.lastOK = now
	case e.Staleness > 0:
		s.lastOK = now.Add(-e.Staleness)
	}
}

// Close unregisters the gauges' callback; the counter stays. Call it when
// the Handler is no longer used by any component.
func (h *Handler) Close() error { return h.reg.Unregister() }
