package observe

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// DefaultInterval is the shortest time between two log lines of one kind,
// component and reason written by a [Logger] whose
// [LoggerConfig.Interval] is zero.
const DefaultInterval = time.Minute

// maxSlots bounds the rate limiter's table. Kinds, components and reasons
// come from fixed lists, so it is never reached in practice; if it is, the
// table starts again empty.
const maxSlots = 1024

// LoggerConfig configures a [Logger]. The zero value logs to
// slog.Default() at the levels of [Level], at most once per
// [DefaultInterval] per kind, component and reason.
type LoggerConfig struct {
	// Logger receives the lines. Nil means slog.Default(), looked up at
	// each event, so that slog.SetDefault applies.
	Logger *slog.Logger
	// Interval is the shortest time between two lines of one kind,
	// component and reason; the events in between are counted, and the
	// next line carries their number as "suppressed". Zero means
	// [DefaultInterval]; negative is an error.
	Interval time.Duration
	// NoRateLimit writes a line for every event.
	NoRateLimit bool
	// Level returns the level of an event's line. Nil means [Level].
	Level func(Event) slog.Level
	// Now returns the current time, for the rate limit. Nil means
	// time.Now. It must be safe for concurrent use; [NewLogger] never calls
	// it.
	Now func() time.Time
}

// Logger is a [Handler] that writes events as slog lines, rate-limited.
// Make one with [NewLogger]; it is safe for concurrent use. An event whose
// level the slog.Logger does not enable costs no lock and is not counted.
//
// Each line's message is "pasetokit: " and the kind; its attributes are
// component, reason, and when set key_id, url, staleness, max_stale, err,
// and suppressed: the number of events of the same kind, component and
// reason left out since the previous line. Events left out after the last
// line are counted until the next one.
type Logger struct {
	logger   *slog.Logger
	interval time.Duration
	noLimit  bool
	level    func(Event) slog.Level
	now      func() time.Time

	mu    sync.Mutex
	slots map[slotKey]*slot
}

type slotKey struct {
	kind      Kind
	component string
	reason    string
}

type slot struct {
	next       time.Time // no line before then
	suppressed int
}

// NewLogger validates cfg and returns a [Logger]. Its errors are
// *[ConfigError] values matching [ErrInvalidConfig].
func NewLogger(cfg LoggerConfig) (*Logger, error) {
	if cfg.Interval < 0 {
		return nil, configError("Interval", errors.New("negative"))
	}
	l := &Logger{
		logger:   cfg.Logger,
		interval: cfg.Interval,
		noLimit:  cfg.NoRateLimit,
		level:    cfg.Level,
		now:      cfg.Now,
		slots:    make(map[slotKey]*slot),
	}
	if l.interval == 0 {
		l.interval = DefaultInterval
	}
	if l.level == nil {
		l.level = Level
	}
	if l.now == nil {
		l.now = time.Now
	}
	return l, nil
}

// Handle writes e, unless a line of the same kind, component and reason
// was written less than the interval ago.
func (l *Logger) Handle(ctx context.Context, e Event) {
	logger := l.logger
	if logger == nil {
		logger = slog.Default()
	}
	lvl := l.level(e)
	if !logger.Enabled(ctx, lvl) {
		return
	}
	suppressed := 0
	if !l.noLimit {
		now := l.now()
		k := slotKey{e.Kind, e.Component, e.Reason}
		l.mu.Lock()
		s := l.slots[k]
		if s == nil {
			if len(l.slots) >= maxSlots {
				clear(l.slots)
			}
			s = &slot{}
			l.slots[k] = s
		}
		if now.Before(s.next) {
			s.suppressed++
			l.mu.Unlock()
			return
		}
		suppressed, s.suppressed = s.suppressed, 0
		s.next = now.Add(l.interval)
		l.mu.Unlock()
	}
	attrs := make([]slog.Attr, 0, 9)
	attrs = append(attrs, slog.String("component", e.Component), slog.String("reason", e.Reason))
	if e.KeyID != "" {
		attrs = append(attrs, slog.String("key_id", e.KeyID))
	}
	if e.URL != "" {
		attrs = append(attrs, slog.String("url", e.URL))
	}
	if e.Staleness != 0 {
		attrs = append(attrs, slog.Duration("staleness", e.Staleness))
	}
	if e.MaxStale != 0 {
		attrs = append(attrs, slog.Duration("max_stale", e.MaxStale))
	}
	if e.Err != nil {
		attrs = append(attrs, slog.String("err", e.Err.Error()))
	}
	if suppressed > 0 {
		attrs = append(attrs, slog.Int("suppressed", suppressed))
	}
	logger.LogAttrs(ctx, lvl, "pasetokit: "+string(e.Kind), attrs...)
}
