package grpcauth

import (
	"strings"
	"testing"

	"github.com/pasetokit/pasetokit/internal/docsnippet"
	"google.golang.org/grpc/codes"
)

func TestDocSnippets(t *testing.T) { docsnippet.Check(t, ".") }

// answers is the table of the package documentation, which
// TestDocSnippets finds here and TestAnswersTable checks against the
// classes.
const answers = `
codes.Unauthenticated   token_missing, token_ambiguous, token_malformed,
                        token_expired, token_not_yet_valid, token_invalid,
                        token_unknown_key, token_wrong_issuer,
                        token_wrong_audience, token_revoked,
                        refresh_token_reused, token_rejected
codes.PermissionDenied  token_wrong_type, token_not_fresh
                        (httpauth.ErrWrongTokenType, httpauth.ErrNotFresh)
codes.Unavailable       key_set_unavailable (verifier.ErrKeySetUnavailable),
                        temporarily_unavailable (store.ErrUnavailable, or
                        the call's context ended during verification)
`

func TestAnswersTable(t *testing.T) {
	names := map[string]codes.Code{
		"codes.Unauthenticated":  codes.Unauthenticated,
		"codes.PermissionDenied": codes.PermissionDenied,
		"codes.Unavailable":      codes.Unavailable,
	}
	var code codes.Code
	seen := map[string]bool{}
	for _, line := range strings.Split(answers, "\n") {
		for _, w := range strings.Fields(line) {
			if c, ok := names[w]; ok {
				code = c
				continue
			}
			w = strings.TrimRight(w, ",")
			if c := byReason[w]; c != nil {
				seen[w] = true
				if c.code != code {
					t.Errorf("%s: the documentation says %v, the code answers %v", w, code, c.code)
				}
			}
		}
	}
	for r := range byReason {
		if !seen[r] {
			t.Errorf("reason %s is not in the documentation's table", r)
		}
	}
}
