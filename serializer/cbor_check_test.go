package serializer

import (
	"errors"
	"testing"
)

// TestCheckCBOR tests checkCBOR on its own, including inputs that the
// library's Wellformed check would normally reject first: it must not
// panic on them.
func TestCheckCBOR(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"a0", nil},
		{"a1 6161 01", nil},
		{"a1 6161 82 01 a1 6162 40", nil},
		{"f9 3c00", nil},
		{"1b ffffffffffffffff", nil},

		{"", ErrMalformed},
		{"1c", ErrMalformed},
		{"1f", ErrMalformed},
		{"19 01", ErrMalformed},
		{"61", ErrMalformed},
		{"7b ffffffffffffffff 61", ErrMalformed},
		{"61 ff", ErrMalformed},
		{"82 01", ErrMalformed},
		{"9b ffffffffffffffff 01", ErrMalformed},
		{"a1", ErrMalformed},
		{"a1 6161", ErrMalformed},
		{"a1 78", ErrMalformed},
		{"a1 7b ffffffffffffffff", ErrMalformed},
		{"a2 6161 01 61", ErrMalformed},
		{"bb ffffffffffffffff 6161 01", ErrMalformed},
		{"a1 01 02", ErrMalformed},
		{"a1 61ff 02", ErrMalformed},
		{"a1 6161 c1 00", ErrMalformed},
		{"c1 00", ErrMalformed},
		{"a0 00", ErrMalformed},
		{"bf ff", ErrMalformed},

		{"a2 6161 01 6161 02", ErrDuplicateKey},
		{"a1 6161 a2 6162 01 7801 62 02", ErrDuplicateKey},
	}
	for _, tt := range tests {
		err := checkCBOR(unhex(t, tt.in))
		if tt.want == nil && err != nil || !errors.Is(err, tt.want) {
			t.Errorf("checkCBOR(%s) = %v, want %v", tt.in, err, tt.want)
		}
	}
	// Large maps switch to a Go map for duplicate detection.
	if err := checkCBOR(cborMap(40)); err != nil {
		t.Errorf("checkCBOR(40 keys) = %v", err)
	}
	dup := append(cborMap(40)[:len(cborMap(40))-7], 0x64, 'k', 'x', 'x', '0', 0x01)
	if err := checkCBOR(dup); !errors.Is(err, ErrDuplicateKey) {
		t.Errorf("checkCBOR(40 keys, duplicate) = %v, want ErrDuplicateKey", err)
	}
}

func FuzzCheckCBOR(f *testing.F) {
	for _, s := range []string{"a0", "a1 6161 01", "a2 6161 01 6161 02", "9b ffffffffffffffff", "a1 6161 82 01 a0"} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := checkCBOR(data)
		if err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrDuplicateKey) {
			t.Fatalf("checkCBOR(%x) = %v", data, err)
		}
	})
}
