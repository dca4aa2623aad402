package otelmetrics

import "errors"

// ErrInvalidConfig: [New] was given a configuration it cannot use. The
// error is a *[ConfigError].
var ErrInvalidConfig = errors.New("otelmetrics: invalid configuration")

var errNil = errors.New("nil")

// ConfigError is the error of [New] for a rejected [Config]: Field is the
// Go path of the field, Err what is wrong with it. It matches
// [ErrInvalidConfig] and Err.
type ConfigError struct {
	// Field is the Go path of the field, such as "MeterProvider".
	Field string
	// Err is the cause. It never holds a key or a claim value.
	Err error
}

// Error returns "otelmetrics: invalid configuration: <Field>: <Err>".
func (e *ConfigError) Error() string {
	return ErrInvalidConfig.Error() + ": " + e.Field + ": " + e.Err.Error()
}

// Unwrap returns [ErrInvalidConfig] and Err.
func (e *ConfigError) Unwrap() []error { return []error{ErrInvalidConfig, e.Err} }

func configError(field string, err error) error { return &ConfigError{Field: field, Err: err} }
