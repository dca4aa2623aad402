package observe_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/pasetokit/pasetokit/observe"
)

// Log events to a logger of your own, at most one line a minute per kind,
// component and reason, and count them for a metrics endpoint.
func Example() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // stable output
			}
			return a
		},
	}))
	logs, err := observe.NewLogger(observe.LoggerConfig{Logger: logger})
	if err != nil {
		panic(err)
	}
	counts, err := observe.NewCounts(observe.CountsConfig{})
	if err != nil {
		panic(err)
	}
	events := observe.Multi(logs, counts)
	// Pass events as the Events field of each component's Config:
	// verifier.Config{..., Events: events}, httpauth.Config{..., Events: events}.
	// Serve counts on a loopback listener: mux.Handle("GET /metrics", counts).

	ctx := context.Background()
	for range 3 {
		events.Handle(ctx, observe.Event{Kind: observe.KindKeySetFetch, Component: "verifier",
			Reason: observe.ReasonFailed, URL: "https://auth.example/keys",
			Staleness: 2 * time.Hour, MaxStale: 24 * time.Hour})
	}
	fmt.Println(counts.Snapshot().Events["key_set_fetch/verifier/failed"])
	// Output:
	// level=WARN msg="pasetokit: key_set_fetch" component=verifier reason=failed url=https://auth.example/keys staleness=2h0m0s max_stale=24h0m0s
	// 3
}
