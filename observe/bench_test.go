package observe_test

import (
	"context"
	"testing"

	"github.com/pasetokit/pasetokit/observe"
)

// BenchmarkEmitDefault is the cost a component pays per request for a
// per-request event with the default handler and slog's default level
// (Info): the event is below it and dropped.
func BenchmarkEmitDefault(b *testing.B) {
	ctx := context.Background()
	e := observe.Event{Kind: observe.KindVerify, Component: "verifier", Reason: observe.ReasonOK}
	b.ReportAllocs()
	for b.Loop() {
		observe.Emit(ctx, nil, e)
	}
}
