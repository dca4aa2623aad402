package store

import "errors"

// ErrInvalidConfig: [NewMemory] or [NewMemoryRemember] was given an invalid
// [MemoryConfig]. The error is a [*ConfigError].
var ErrInvalidConfig = errors.New("store: invalid configuration")

// ConfigError reports the field of a [MemoryConfig] that was rejected. It
// matches [ErrInvalidConfig] and Err.
type ConfigError struct {
	// Field is the Go path of the field, such as "MaxEntries".
	Field string
	// Err says what is wrong with it; it never holds the field's value.
	Err error
}

// Error returns "store: invalid configuration: <Field>: <Err>".
func (e *ConfigError) Error() string {
	return ErrInvalidConfig.Error() + ": " + e.Field + ": " + e.Err.Error()
}

// Unwrap returns [ErrInvalidConfig] and Err.
func (e *ConfigError) Unwrap() []error { return []error{ErrInvalidConfig, e.Err} }

func configError(field string, err error) error { return &ConfigError{Field: field, Err: err} }

var errNegative = errors.New("negative")

// validate checks the fields both memory stores read, and with remember
// those only [NewMemoryRemember] reads.
func (cfg MemoryConfig) validate(remember bool) error {
	if cfg.MaxEntries < 0 {
		return configError("MaxEntries", errNegative)
	}
	if !remember && cfg.MaxFamiliesPerUser < 0 {
		return configError("MaxFamiliesPerUser", errNegative)
	}
	if remember && cfg.MaxSeriesPerUser < 0 {
		return configError("MaxSeriesPerUser", errNegative)
	}
	return nil
}
