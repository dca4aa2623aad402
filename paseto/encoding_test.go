package paseto

import (
	"bytes"
	"testing"
)

// TestBuildToken checks buildToken against the plain encoding for sizes on
// both sides of writeB64's chunk boundary, with and without a footer.
func TestBuildToken(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 4, 383, 384, 385, 386, 767, 768, 769, 1000, 4096} {
		body := bytes.Repeat([]byte{0xfb, 0xff, 0x01}, n/3+1)[:n]
		for _, footer := range [][]byte{nil, {}, []byte(`{"kid":"k4.pid.x"}`), body} {
			want := "v4.local." + b64.EncodeToString(body)
			if len(footer) > 0 {
				want += "." + b64.EncodeToString(footer)
			}
			if got := buildToken("v4.local.", body, footer); got != want {
				t.Errorf("buildToken(body %d bytes, footer %d bytes) = %q, want %q", n, len(footer), got, want)
			}
		}
	}
}

// TestBuildTokenAllocs pins buildToken to one allocation: the token.
func TestBuildTokenAllocs(t *testing.T) {
	body := make([]byte, 2000)
	footer := []byte(`{"kid":"k4.pid.x"}`)
	if n := testing.AllocsPerRun(100, func() { _ = buildToken("v4.public.", body, footer) }); n != 1 {
		t.Errorf("buildToken allocates %v times, want 1", n)
	}
}

func TestDecodeB64(t *testing.T) {
	tests := []struct {
		in   string
		want []byte
		ok   bool
	}{
		{"", []byte{}, true},
		{"AQID", []byte{1, 2, 3}, true},
		{"AQI", []byte{1, 2}, true},
		{"AQJ", nil, false},    // non-zero trailing bits
		{"AQI=", nil, false},   // padding
		{"AQ\nID", nil, false}, // newline
		{"AQ\rID", nil, false}, // carriage return
		{"A+/B", nil, false},   // standard, not URL, alphabet
		{"A", nil, false},      // impossible length
	}
	for _, tt := range tests {
		got, ok := decodeB64(tt.in)
		if ok != tt.ok || (ok && !bytes.Equal(got, tt.want)) {
			t.Errorf("decodeB64(%q) = %v, %v, want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// decodeB64 decodes s strictly into a new slice: no padding, no CR or LF, no
// non-zero trailing bits (decodeB64Into with the buffer made for it).
func decodeB64(s string) ([]byte, bool) {
	dst := make([]byte, b64.DecodedLen(len(s)))
	if !decodeB64Into(dst, s) {
		return nil, false
	}
	return dst, true
}
