package otelmetrics_test

import (
	"context"
	"fmt"
	"log"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/pasetokit/pasetokit/observe"
	"github.com/pasetokit/pasetokit/otelmetrics"
	"github.com/pasetokit/pasetokit/verifier"
)

// The package documentation's path for most users, compiled (not run: it
// names no key set).
func Example_forMostUsers() {
	provider := sdkmetric.NewMeterProvider()
	var sets []verifier.KeySet // the issuers' published key sets
	metrics, err := otelmetrics.New(otelmetrics.Config{MeterProvider: provider})
	if err != nil {
		log.Fatal(err)
	}
	events := observe.Multi(observe.Default(), metrics)
	v, err := verifier.New(verifier.Config{KeySets: sets, Events: events})
	if err != nil {
		log.Fatal(err)
	}
	_ = v
}

// Record pasetokit's events as OpenTelemetry metrics, and keep logging
// them with the default logger.
func Example() {
	reader := sdkmetric.NewManualReader() // in production: a periodic reader and an exporter
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer provider.Shutdown(context.Background())

	metrics, err := otelmetrics.New(otelmetrics.Config{MeterProvider: provider})
	if err != nil {
		panic(err)
	}
	events := observe.Multi(observe.Default(), metrics)
	// Pass events as the Events field of each component's Config:
	// verifier.Config{..., Events: events}, httpauth.Config{..., Events: events}.

	events.Handle(context.Background(), observe.Event{Kind: observe.KindRequest, Component: "httpauth", Reason: "token_expired"})

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		panic(err)
	}
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if sum, ok := m.Data.(metricdata.Sum[int64]); ok {
			fmt.Println(m.Name, sum.DataPoints[0].Value)
		}
	}
	// Output:
	// pasetokit.events 1
}
