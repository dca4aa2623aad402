package cookie

import "testing"

func TestCheckPrefix(t *testing.T) {
	tests := []struct {
		name         string
		secure       bool
		path, domain string
		ok           bool
	}{
		{"session", false, "/x", "example.com", true},
		{"__Host-s", true, "/", "", true},
		{"__host-s", true, "/", "", true},
		{"__Host-s", false, "/", "", false},
		{"__HOST-s", false, "/", "", false},
		{"__Host-s", true, "/x", "", false},
		{"__Host-s", true, "/", "example.com", false},
		{"__Secure-s", true, "/x", "example.com", true},
		{"__secure-s", false, "/", "", false},
		{"__Secure-s", false, "/", "", false},
		{"_Host-s", false, "/", "", true},
	}
	for _, tt := range tests {
		if err := checkPrefix(tt.name, tt.secure, tt.path, tt.domain); (err == nil) != tt.ok {
			t.Errorf("checkPrefix(%q, %v, %q, %q) = %v, want ok %v", tt.name, tt.secure, tt.path, tt.domain, err, tt.ok)
		}
	}
}
