package flaskpaseto

import "errors"

// ErrInvalidConfig: the settings cannot be loaded. Every error of this
// package is a [*ConfigError] that matches it.
var ErrInvalidConfig = errors.New("flaskpaseto: invalid configuration")

// ConfigError is a setting that cannot be used. Its text names the
// variable and says what to do; it never holds the value.
type ConfigError struct {
	// Field is the variable's name, such as "PASETO_PRIVATE_KEYS[0].key".
	Field string
	// Err says what is wrong.
	Err error
}

// Error is "flaskpaseto: invalid configuration: <Field>: <Err>".
func (e *ConfigError) Error() string {
	return ErrInvalidConfig.Error() + ": " + e.Field + ": " + e.Err.Error()
}

// Unwrap returns [ErrInvalidConfig] and Err.
func (e *ConfigError) Unwrap() []error { return []error{ErrInvalidConfig, e.Err} }

func configError(field string, err error) error { return &ConfigError{Field: field, Err: err} }
