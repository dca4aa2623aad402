package paseto_test

import (
	"testing"

	"github.com/pasetokit/pasetokit/internal/docsnippet"
)

// Every Go snippet of the package documentation stands in an Example.
func TestDocSnippets(t *testing.T) { docsnippet.Check(t, ".") }
