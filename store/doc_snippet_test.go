package store_test

import (
	"testing"

	"github.com/pasetokit/pasetokit/internal/docsnippet"
)

// TestDocSnippets: every Go snippet of the package documentation is code
// of an Example function, so it compiles.
func TestDocSnippets(t *testing.T) { docsnippet.Check(t, ".") }
